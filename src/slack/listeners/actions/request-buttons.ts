import { decideRequest } from "../../../requests/decide-request.js";
import { REQUEST_ACTIONS } from "../../blocks/request-blocks.js";
import type { BotDeps } from "../../bot-deps.js";
import { type ButtonArgs, clickInOwnChannel } from "./button-click.js";

const KINDS = {
  [REQUEST_ACTIONS.approve]: "approve",
  [REQUEST_ACTIONS.confirm]: "confirm-emergency",
  [REQUEST_ACTIONS.reject]: "reject",
  [REQUEST_ACTIONS.cancel]: "cancel",
} as const;

/**
 * Approve / Confirm emergency / Reject / Cancel. Acknowledged at once; a
 * refused click (not an approver, the requester, expired, already decided)
 * is answered privately with why, and changes nothing. A redelivered click
 * (same trigger id) is acknowledged and not acted on again.
 */
export function requestButtons(deps: BotDeps) {
  return async (args: ButtonArgs): Promise<void> => {
    const { body, action } = args;
    const click = await clickInOwnChannel(
      args,
      deps,
      "kcm-chatops decides requests only in its own channels.",
    );
    if (!click) return;
    const { tell } = click;
    const kind = KINDS[action.action_id as keyof typeof KINDS];
    if (!kind || !action.value) return;
    // Slack redelivers a click whose ack it missed: the first delivery decided already.
    if (body.trigger_id && !(await deps.deliveries.first(body.trigger_id))) return;
    const refused = await decideRequest(deps, action.value, {
      kind,
      by: body.user.id,
      at: deps.now(),
    });
    if (refused) await tell(refused);
  };
}
