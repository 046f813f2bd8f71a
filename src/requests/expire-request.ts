import type { ApprovalPolicy } from "../domain/upgrade-request.js";
import type { RequestChat, RequestRecords } from "./ports.js";

/** What expiring a request needs. */
export interface ExpireDeps {
  policy: ApprovalPolicy;
  requests: Pick<RequestRecords, "apply">;
  chat: Pick<RequestChat, "expired">;
  now: () => Date;
}

/**
 * A request's time for a decision is up: it expires, unless it was decided
 * meanwhile (then nothing happens). Resolves to whether it expired.
 */
export async function expireRequest(deps: ExpireDeps, requestId: string): Promise<boolean> {
  const transition = await deps.requests.apply(
    requestId,
    { kind: "expire", at: deps.now() },
    deps.policy,
  );
  if (!transition.ok) return false;
  await deps.chat.expired(transition.request);
  return true;
}
