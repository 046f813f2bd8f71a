import type { types } from "@slack/bolt";
import type { FleetNotice } from "../../domain/fleet-notice.js";
import { escapeMrkdwn } from "./mrkdwn.js";

type KnownBlock = types.KnownBlock;

/** The notice's button: its value is the release it asks for. */
export const NOTICE_UPGRADE = "kcm_notice_upgrade";

/** Hosts listed by name in a notice line; more are counted. */
const LISTED = 20;

const names = (hosts: readonly string[]) => {
  const shown = hosts.slice(0, LISTED).map((h) => `\`${escapeMrkdwn(h)}\``);
  return hosts.length > LISTED
    ? `${shown.join(", ")} and ${hosts.length - LISTED} more`
    : shown.join(", ");
};

/**
 * A scheduled check's notice: one section per release newly pending, with a
 * "Request upgrade (next window)" button (the click asks, as the clicker,
 * for the hosts that still wait for that release), then hosts newly failing
 * with why, and hosts recovered.
 */
export function noticeBlocks(
  notice: FleetNotice,
  reasons: ReadonlyMap<string, string>,
): { text: string; blocks: KnownBlock[] } {
  const blocks: KnownBlock[] = [];
  const summary: string[] = [];
  for (const release of notice.releases) {
    const count = `${release.hosts.length} host${release.hosts.length === 1 ? "" : "s"}`;
    summary.push(`KCM ${release.version} is pending on ${count}`);
    blocks.push({
      type: "section",
      text: {
        type: "mrkdwn",
        text: `:package: *KCM ${escapeMrkdwn(release.version)}* is available for ${count}: ${names(release.hosts)}.`,
      },
      accessory: {
        type: "button",
        action_id: NOTICE_UPGRADE,
        text: { type: "plain_text", text: "Request upgrade (next window)" },
        value: release.version,
      },
    });
  }
  if (notice.failing.length > 0) {
    summary.push(`${notice.failing.length} host(s) newly failing`);
    const lines = notice.failing.map(
      (f) => `• \`${escapeMrkdwn(f.host)}\`: ${escapeMrkdwn(reasons.get(f.host) ?? f.reason)}`,
    );
    blocks.push({
      type: "section",
      text: {
        type: "mrkdwn",
        text: `:warning: *Newly failing*\n${lines.join("\n")}`.slice(0, 3000),
      },
    });
  }
  if (notice.recovered.length > 0) {
    summary.push(`${notice.recovered.length} host(s) recovered`);
    blocks.push({
      type: "section",
      text: {
        type: "mrkdwn",
        text: `:white_check_mark: *Answering again*: ${names(notice.recovered)}.`,
      },
    });
  }
  blocks.push({
    type: "context",
    elements: [
      {
        type: "mrkdwn",
        text: "From the scheduled fleet check: only what changed since the last notice.",
      },
    ],
  });
  return { text: `${summary.join("; ")}.`, blocks };
}
