import type { Action, UpgradeRequest } from "../../../domain/upgrade-request.js";
import { enqueueRollback, enqueueUpgrade } from "../../../queue/enqueue-upgrade.js";
import { slackDate } from "../../blocks/request-blocks.js";
import type { BotDeps } from "../../bot-deps.js";
import { rootKey, updateRoot } from "../../request-view.js";

const PAST_TENSE: Record<string, string> = {
  approve: "Approved",
  "confirm-emergency": "Emergency confirmed",
  reject: "Rejected",
  cancel: "Cancelled",
};

/**
 * Applies a person's decision to a request (through the store's
 * compare-and-set, so simultaneous clicks make one decision), then tells the
 * thread, the audit stream and, when the request is now approved, the queue.
 * Resolves to what to tell the person who clicked (privately), or nothing.
 */
export async function decideRequest(
  deps: BotDeps,
  requestId: string,
  action: Extract<Action, { by: string }>,
): Promise<string | undefined> {
  const transition = await deps.store.apply(requestId, action, deps.approvalPolicy());
  if (!transition.ok) return transition.reason;
  const request = transition.request;
  await updateRoot(deps.poster, request, deps.inventory);
  const note =
    request.state === "awaiting-emergency"
      ? `:rotating_light: <@${action.by}> approved this as an emergency (outside the window). <@${action.by}>, confirm it with the button to run it now.`
      : `${PAST_TENSE[action.kind] ?? action.kind} by <@${action.by}> ${slackDate(action.at.toISOString())}.`;
  await deps.poster.post({
    channel: request.channel,
    thread: { key: rootKey(request.id) },
    content: { text: note },
  });
  await deps.audit.append({
    requestId,
    host: request.host,
    who: action.by,
    what: `request-${action.kind}`,
    detail: `now ${request.state}`,
  });
  if (transition.enqueue) await enqueue(deps, request, action.by);
  if (request.state === "cancelled") {
    // A job already queued must not start: take it off the queue (a job that
    // already began finds the request cancelled and stops before any downtime).
    await deps.upgrades.remove(request.id).catch(() => 0);
  }
  return undefined;
}

async function enqueue(deps: BotDeps, request: UpgradeRequest, approvedBy: string): Promise<void> {
  const host = deps.inventory.hosts.find((h) => h.name === request.host);
  const data = {
    requestId: request.id,
    host: request.host,
    plan: request.plan,
    window: request.runWindow,
    requestedBy: request.requestedBy,
    approvedBy,
    layout: host?.layout ?? "auto",
  };
  if (request.kind === "rollback" && request.transactionId !== undefined) {
    await enqueueRollback(
      deps.upgrades,
      { ...data, transactionId: request.transactionId },
      deps.now().getTime(),
    );
  } else {
    await enqueueUpgrade(deps.upgrades, data, deps.now().getTime());
  }
}

/** `/kcm cancel <id>`: what to tell the person. */
export async function cancelRequest(deps: BotDeps, requestId: string, by: string): Promise<string> {
  const refused = await decideRequest(deps, requestId, { kind: "cancel", by, at: deps.now() });
  return refused ?? `Cancelled \`${requestId}\`.`;
}
