import { TERMINAL_STATES } from "../../../domain/upgrade-request.js";
import { escapeMrkdwn } from "../../blocks/mrkdwn.js";
import type { BotDeps } from "../../bot-deps.js";
import { mayRequest, NOT_A_REQUESTER } from "../../requester-policy.js";
import { type ButtonArgs, clickInOwnChannel } from "./button-click.js";

/**
 * "Request upgrade (next window)" on a fleet notice: the normal request
 * flow, with the clicker as the requester and the requester policy as for
 * `/kcm upgrade`. It asks for the hosts that, by the last scheduled check,
 * still wait for that release, are in the inventory and in no open request;
 * the plan then checks each again. When none is left (upgraded since,
 * removed, already asked for), the clicker is told why, privately, and
 * nothing changes.
 */
export function noticeButton(deps: BotDeps) {
  return async (args: ButtonArgs): Promise<void> => {
    const { body, action } = args;
    const click = await clickInOwnChannel(
      args,
      deps,
      "kcm-chatops takes requests only in its own channels.",
    );
    if (!click) return;
    const { channel, tell } = click;
    if (!mayRequest(deps.slack, body.user.id)) {
      await tell(NOT_A_REQUESTER);
      return;
    }
    const version = action.value;
    if (!version) return;
    if (body.trigger_id && !(await deps.deliveries.first(body.trigger_id))) return;
    const state = await deps.notices.last();
    const waiting = Object.entries(state.pending)
      .filter(([, pending]) => pending === version)
      .map(([host]) => host)
      .sort();
    const known = new Set(deps.inventory.hosts.map((h) => h.name));
    const gone = waiting.filter((h) => !known.has(h));
    const busy: string[] = [];
    const free: string[] = [];
    for (const host of waiting.filter((h) => known.has(h))) {
      const open = (await deps.requests.recent({ host })).find(
        (r) => !TERMINAL_STATES.has(r.state),
      );
      if (open) busy.push(`\`${host}\` (in ${open.id}, ${open.state})`);
      else free.push(host);
    }
    const skipped = [
      ...(gone.length
        ? [`no longer in the inventory: ${gone.map((h) => `\`${h}\``).join(", ")}`]
        : []),
      ...(busy.length ? [`already in a request: ${busy.join(", ")}`] : []),
    ];
    const v = escapeMrkdwn(version);
    if (free.length === 0) {
      await tell(
        `No host is left to ask KCM ${v} for${skipped.length ? ` (${skipped.join("; ")})` : ": every host that waited for it was upgraded since"}. Nothing was requested.`,
      );
      return;
    }
    await deps.tasks.plan({
      requestKind: "upgrade",
      host: free.join(","),
      when: { kind: "next-window" },
      requestedBy: body.user.id,
      channel,
      triggerId: body.trigger_id,
      responseUrl: body.response_url,
    });
    await tell(
      `Making a fresh plan for KCM ${v} on ${free.map((h) => `\`${h}\``).join(", ")}, in the next window: the request will appear in this channel for approval.${skipped.length ? ` Left out: ${skipped.join("; ")}.` : ""}`,
    );
  };
}
