import type { Inventory } from "../config/inventory-schema.js";
import type { AuditLog } from "../domain/audit-event.js";
import { chooseRunWindow } from "../domain/choose-run-window.js";
import { newRequestId } from "../domain/request-id.js";
import { makeRollbackPlan, makeUpgradePlan, type UpgradePlan } from "../domain/upgrade-plan.js";
import { type ApprovalPolicy, newRequest, type UpgradeRequest } from "../domain/upgrade-request.js";
import type {
  HostChecker,
  PlanInput,
  RequestChat,
  RequestRecords,
  TaskQueue,
  UpgradeRecords,
} from "./ports.js";

/** What planning a request needs. */
export interface PlanDeps {
  inventory: Pick<Inventory, "hosts" | "windows">;
  policy: ApprovalPolicy;
  requests: Pick<RequestRecords, "create" | "get">;
  chat: Pick<RequestChat, "requested" | "tell">;
  tasks: Pick<TaskQueue, "expireAt">;
  checker: Pick<HostChecker, "check">;
  upgrades: UpgradeRecords;
  audit: AuditLog;
  now: () => Date;
}

/** How planning ended: a request made, or why not (the requester was told). */
export type PlanResult =
  | { kind: "requested"; requestId: string }
  | { kind: "duplicate"; requestId: string }
  | { kind: "refused"; reason: string };

/**
 * `/kcm upgrade <host>` (or `rollback`), in a worker: makes a fresh plan
 * (an upgrade: what the host says is pending now; a rollback: the host's
 * recorded last upgrade, backwards), chooses the window, stores the request
 * (once per command invocation), posts it for approval, audits it and sets
 * its expiry. Anything that stops it is told to the requester, privately.
 */
export async function planRequest(deps: PlanDeps, input: PlanInput): Promise<PlanResult> {
  const refuse = async (reason: string, text: string): Promise<PlanResult> => {
    await deps.chat.tell(input.responseUrl, text);
    return { kind: "refused", reason };
  };
  const host = deps.inventory.hosts.find((h) => h.name === input.host);
  if (!host) return refuse("unknown host", `There is no host \`${input.host}\` in the inventory.`);
  let plan: UpgradePlan;
  let transactionId: number | undefined;
  if (input.requestKind === "rollback") {
    const last = await deps.upgrades.last(host.name);
    if (!last) {
      return refuse(
        "nothing to roll back",
        `kcm-chatops has no upgrade of \`${host.name}\` on record to roll back.`,
      );
    }
    plan = makeRollbackPlan(host.name, last.changes);
    transactionId = last.transactionId;
  } else {
    const check = await deps.checker.check(host);
    if (check.problems.length > 0 || check.pending === undefined) {
      const problem = check.problems[0];
      return refuse(
        "check failed",
        `Cannot plan an upgrade of \`${host.name}\`: ${problem?.summary ?? "no answer"}${problem?.evidence[0] ? `\n> ${problem.evidence[0]}` : ""}`,
      );
    }
    if (check.pending.length === 0) {
      return refuse(
        "up to date",
        `\`${host.name}\` is up to date (KCM ${check.kcmVersion ?? "?"}): nothing to approve.`,
      );
    }
    plan = makeUpgradePlan(host.name, check.pending);
  }
  const now = deps.now();
  const window = host.window ? deps.inventory.windows.get(host.window) : undefined;
  const choice = chooseRunWindow(input.when, window, now, deps.policy.expiryMinutes);
  if (!choice.ok) return refuse("no window", `Cannot schedule \`${host.name}\`: ${choice.reason}`);
  const request = newRequest(
    {
      id: newRequestId(),
      kind: input.requestKind,
      host: host.name,
      plan,
      ...(transactionId === undefined ? {} : { transactionId }),
      requestedBy: input.requestedBy,
      channel: input.channel,
      when: input.when,
      runWindow: choice.runWindow,
      emergency: choice.emergency,
    },
    deps.policy,
    now,
  );
  const stored = await deps.requests.create(request, `trigger:${input.triggerId}`);
  if (!stored.created) {
    // The same command again (Slack's retry, or this task redelivered after a
    // worker died): the first request stands. What follows its creation is
    // done again, each step at most once, in case the first try was cut short.
    const first = await deps.requests.get(stored.id);
    if (first) await announce(deps, first);
    return { kind: "duplicate", requestId: stored.id };
  }
  await announce(deps, request);
  return { kind: "requested", requestId: request.id };
}

/** Posts a stored request for approval, audits it and sets its expiry; doing it again adds nothing. */
async function announce(deps: PlanDeps, request: UpgradeRequest): Promise<void> {
  await deps.chat.requested(request);
  await deps.audit.append({
    requestId: request.id,
    host: request.host,
    who: request.requestedBy,
    what: `${request.kind}-requested`,
    detail: `plan ${request.plan.hash}; runs ${request.runWindow.start} to ${request.runWindow.end}${request.emergency ? " (emergency)" : ""}`,
    once: `${request.id}:requested`,
  });
  // A request decided meanwhile is not expired by it (expire-request).
  await deps.tasks.expireAt(request.id, new Date(request.expiresAt));
}
