import type { Inventory } from "../config/inventory-schema.js";
import type { UpgradeRequest } from "../domain/upgrade-request.js";
import type { CheckInput, Decision, RequestChat } from "../requests/ports.js";
import { checkBlocks } from "./blocks/check-blocks.js";
import { noticeBlocks } from "./blocks/notice-blocks.js";
import { requestBlocks, slackDate } from "./blocks/request-blocks.js";
import { rolloutEndLines } from "./blocks/rollout-blocks.js";
import type { SlackPoster } from "./poster/index.js";
import { rootKey, updateRoot, windowLabelOf } from "./request-view.js";
import { respondEphemeral } from "./respond.js";

const PAST_TENSE: Record<string, string> = {
  approve: "Approved",
  "confirm-emergency": "Emergency confirmed",
  reject: "Rejected",
  cancel: "Cancelled",
};

/**
 * A request's life in Slack: its root message (edited in place as it
 * changes) and its thread, all through the poster's queues; private answers
 * through the command's response URL.
 */
export function slackRequestChat(deps: {
  poster: SlackPoster;
  inventory: Inventory;
  log?: (line: string) => void;
}): RequestChat {
  const note = (request: UpgradeRequest, text: string) =>
    deps.poster.post({
      channel: request.channel,
      thread: { key: rootKey(request.id) },
      content: { text },
    });
  return {
    async requested(request) {
      await deps.poster.post({
        channel: request.channel,
        key: rootKey(request.id),
        content: requestBlocks(request, { windowLabel: windowLabelOf(request, deps.inventory) }),
      });
    },
    async decided(request, decision: Decision) {
      await updateRoot(deps.poster, request, deps.inventory);
      await note(
        request,
        request.state === "awaiting-emergency"
          ? `:rotating_light: <@${decision.by}> approved this as an emergency (outside the window). <@${decision.by}>, confirm it with the button to run it now.`
          : `${PAST_TENSE[decision.kind] ?? decision.kind} by <@${decision.by}> ${slackDate(decision.at.toISOString())}.`,
      );
    },
    async expired(request) {
      await updateRoot(deps.poster, request, deps.inventory);
      await note(
        request,
        ":hourglass: Expired: nobody approved it in time. Nothing was run. Ask again with `/kcm upgrade`.",
      );
    },
    async rolloutProgress(request, runs) {
      await updateRoot(deps.poster, request, deps.inventory, { runs });
    },
    async rolloutFinished(request, runs) {
      await updateRoot(deps.poster, request, deps.inventory, { runs });
      const lines = rolloutEndLines(request, runs);
      if (!lines) return;
      // Keyed: a coordinator run twice posts it once.
      await deps.poster.post({
        channel: request.channel,
        thread: { key: rootKey(request.id) },
        key: `${request.id}:rollout-finished`,
        content: { text: lines.join("\n") },
      });
    },
    async checked(input: CheckInput, checks) {
      await deps.poster.post({
        channel: input.channel,
        content: checkBlocks(input.target, checks, input.requestedBy),
      });
    },
    async fleetNotice(channel, notice, reasons, key) {
      await deps.poster.post({ channel, key, content: noticeBlocks(notice, reasons) });
    },
    async tell(responseUrl, text) {
      const problem = await respondEphemeral(responseUrl, text);
      if (problem) deps.log?.(`could not answer the requester (${problem}): ${text}`);
    },
  };
}
