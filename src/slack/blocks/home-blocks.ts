import type { types } from "@slack/bolt";
import type { Inventory } from "../../config/inventory-schema.js";
import type { UpgradeRequest } from "../../domain/upgrade-request.js";
import type { HostSnapshot } from "../../requests/ports.js";
import { escapeMrkdwn } from "./mrkdwn.js";
import { slackDate } from "./request-blocks.js";

type KnownBlock = types.KnownBlock;

/** The Home tab's button: check every host now (limited per person). */
export const HOME_CHECK = "kcm_home_check";

/** Hosts shown one block each; Slack allows 100 blocks in a view. */
const HOSTS_SHOWN = 80;

function hostLine(host: Inventory["hosts"][number], snapshot: HostSnapshot | undefined): string {
  const name = `*${escapeMrkdwn(host.name)}*`;
  const window = host.window ? `window \`${escapeMrkdwn(host.window)}\`` : "no window";
  if (!snapshot) return `${name} · ${host.layout} · ${window} · not checked yet`;
  const parts = [
    name,
    snapshot.layout ?? host.layout,
    snapshot.kcmVersion ? `KCM ${escapeMrkdwn(snapshot.kcmVersion)}` : "KCM version unknown",
  ];
  if (snapshot.problem) parts.push(`:x: ${escapeMrkdwn(snapshot.problem)}`);
  else if (snapshot.pending)
    parts.push(
      `:arrow_up: ${escapeMrkdwn(snapshot.pending.from)} → ${escapeMrkdwn(snapshot.pending.to)} pending (${snapshot.pending.packages} package${snapshot.pending.packages === 1 ? "" : "s"})`,
    );
  else parts.push("up to date");
  if (typeof snapshot.sessions === "number")
    parts.push(`${snapshot.sessions} active session${snapshot.sessions === 1 ? "" : "s"}`);
  parts.push(window, `checked ${slackDate(snapshot.checkedAt)}`);
  return parts.join(" · ");
}

/**
 * The App Home: the fleet as the last checks left it (per host: layout,
 * KCM version, what is pending, active sessions, when it was checked, its
 * window), the open and running requests with links to their threads, and a
 * "Check now" button. `note` is said at the top (e.g. a check just asked for).
 */
export function homeView(input: {
  inventory: Pick<Inventory, "hosts">;
  snapshots: readonly HostSnapshot[];
  requests: readonly UpgradeRequest[];
  /** A request's thread, as a link, where known. */
  links: ReadonlyMap<string, string>;
  note?: string;
}): types.HomeView {
  const byHost = new Map(input.snapshots.map((s) => [s.host, s]));
  const blocks: KnownBlock[] = [
    { type: "header", text: { type: "plain_text", text: "KCM fleet" } },
    {
      type: "actions",
      elements: [
        {
          type: "button",
          action_id: HOME_CHECK,
          text: { type: "plain_text", text: "Check now" },
          value: "all",
        },
      ],
    },
  ];
  if (input.note)
    blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: input.note }] });
  const hosts = input.inventory.hosts;
  for (const host of hosts.slice(0, HOSTS_SHOWN)) {
    blocks.push({
      type: "section",
      text: { type: "mrkdwn", text: hostLine(host, byHost.get(host.name)).slice(0, 3000) },
    });
  }
  if (hosts.length > HOSTS_SHOWN) {
    blocks.push({
      type: "context",
      elements: [
        {
          type: "mrkdwn",
          text: `and ${hosts.length - HOSTS_SHOWN} more hosts: \`/kcm check all\` lists them all`,
        },
      ],
    });
  }
  blocks.push({ type: "divider" });
  const lines = input.requests.map((r) => {
    const id = input.links.get(r.id);
    const label = id ? `<${id}|${r.id}>` : `\`${r.id}\``;
    return `• ${label} ${r.kind} of \`${escapeMrkdwn(r.host)}\`: ${r.state}`;
  });
  blocks.push({
    type: "section",
    text: {
      type: "mrkdwn",
      text: `*Open and running requests*\n${lines.join("\n") || "none"}`.slice(0, 3000),
    },
  });
  return { type: "home", blocks };
}
