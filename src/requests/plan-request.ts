import type { HostConfig, Inventory } from "../config/inventory-schema.js";
import { resolveTarget } from "../config/resolve-target.js";
import type { AuditLog } from "../domain/audit-event.js";
import { chooseRunWindow } from "../domain/choose-run-window.js";
import { newRequestId } from "../domain/request-id.js";
import type { LeftOutHost, RolloutHost, RolloutPolicy } from "../domain/rollout.js";
import {
  makeFleetPlan,
  makeRollbackPlan,
  makeUpgradePlan,
  type UpgradePlan,
} from "../domain/upgrade-plan.js";
import {
  type ApprovalPolicy,
  newRequest,
  TERMINAL_STATES,
  type UpgradeRequest,
} from "../domain/upgrade-request.js";
import type { HostCheck } from "../kcm/host-check.js";
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
  inventory: Pick<Inventory, "hosts" | "windows" | "groups" | "rollout">;
  policy: ApprovalPolicy;
  requests: Pick<RequestRecords, "create" | "createdWith" | "get" | "recent">;
  chat: Pick<RequestChat, "requested" | "tell">;
  tasks: Pick<TaskQueue, "expireAt">;
  checker: Pick<HostChecker, "check" | "checkMany">;
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
  // The same command again (Slack's retry, or this task redelivered after a
  // worker died): the first request stands, announced again (each step at most once).
  const earlier = await deps.requests.createdWith(`trigger:${input.triggerId}`);
  const first = earlier === undefined ? undefined : await deps.requests.get(earlier);
  if (first) {
    await announce(deps, first);
    return { kind: "duplicate", requestId: first.id };
  }
  const target = resolveTarget(deps.inventory, input.host);
  if (target.kind !== "hosts") {
    return refuse("unknown host", `There is no host \`${input.host}\` in the inventory.`);
  }
  if (input.requestKind === "upgrade" && target.of !== "host") {
    const group = target.of === "group" ? deps.inventory.groups.get(target.label) : undefined;
    return planRollout(deps, input, target.hosts, group?.rollout ?? deps.inventory.rollout);
  }
  const host = target.hosts[0];
  if (!host || target.of !== "host") {
    return refuse("not one host", `A rollback names one host, not \`${input.host}\`.`);
  }
  let plan: UpgradePlan;
  let transactionId: number | undefined;
  let sessions: number | null | undefined;
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
    sessions = check.sessions;
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
      ...(sessions === undefined ? {} : { sessions }),
    },
    deps.policy,
    now,
  );
  return store(deps, request, input.triggerId);
}

/**
 * `/kcm upgrade <group|all|host,host>`: one request for every host that can
 * be planned (checked at once; each with its own plan and window), listing
 * the ones left out and why. Nothing plannable: nothing is made, and the
 * requester is told why, host by host.
 */
async function planRollout(
  deps: PlanDeps,
  input: PlanInput,
  hosts: readonly HostConfig[],
  policy: RolloutPolicy,
): Promise<PlanResult> {
  const now = deps.now();
  const [checks, held] = await Promise.all([
    deps.checker.checkMany(hosts),
    Promise.all(hosts.map((h) => openRequestOn(deps, h.name))),
  ]);
  const planned: RolloutHost[] = [];
  const leftOut: LeftOutHost[] = [];
  let emergency = false;
  for (const [i, host] of hosts.entries()) {
    const check = checks[i];
    const holder = held[i];
    const reason = leftOutReason(check, holder);
    if (reason !== undefined) {
      leftOut.push({ host: host.name, reason });
      continue;
    }
    const window = host.window ? deps.inventory.windows.get(host.window) : undefined;
    const choice = chooseRunWindow(input.when, window, now, deps.policy.expiryMinutes);
    if (!choice.ok) {
      leftOut.push({ host: host.name, reason: choice.reason });
      continue;
    }
    emergency ||= choice.emergency;
    planned.push({
      host: host.name,
      plan: makeUpgradePlan(host.name, check?.pending ?? []),
      runWindow: {
        start: choice.runWindow.start.toISOString(),
        end: choice.runWindow.end.toISOString(),
      },
      ...(check?.sessions === undefined ? {} : { sessions: check.sessions }),
    });
  }
  if (planned.length === 0) {
    const reasons = leftOut.map((l) => `• \`${l.host}\`: ${l.reason}`).join("\n");
    await deps.chat.tell(
      input.responseUrl,
      `Nothing to upgrade in \`${input.host}\`, so no request was made:\n${reasons}`,
    );
    return { kind: "refused", reason: "nothing to plan" };
  }
  const starts = planned.map((h) => Date.parse(h.runWindow.start));
  const ends = planned.map((h) => Date.parse(h.runWindow.end));
  const request = newRequest(
    {
      id: newRequestId(),
      kind: "upgrade",
      host: input.host,
      plan: makeFleetPlan(
        input.host,
        planned.map((h) => h.plan),
      ),
      requestedBy: input.requestedBy,
      channel: input.channel,
      when: input.when,
      runWindow: { start: new Date(Math.min(...starts)), end: new Date(Math.max(...ends)) },
      emergency,
      rollout: { hosts: planned, leftOut, policy },
    },
    deps.policy,
    now,
  );
  return store(deps, request, input.triggerId);
}

/** Why a checked host is left out of a rollout, if it is. */
function leftOutReason(
  check: HostCheck | undefined,
  holder: UpgradeRequest | undefined,
): string | undefined {
  if (holder) return `in request ${holder.id} (${holder.state})`;
  if (!check || check.problems.length > 0 || check.pending === undefined) {
    return check?.problems[0]?.summary ?? "no answer";
  }
  if (check.pending.length === 0) return `up to date (KCM ${check.kcmVersion ?? "?"})`;
  return undefined;
}

/** A request not yet over that covers `host` (its own, or a rollout's), if any. */
async function openRequestOn(deps: PlanDeps, host: string): Promise<UpgradeRequest | undefined> {
  const recent = await deps.requests.recent({ host, limit: 20 });
  return recent.find((r) => !TERMINAL_STATES.has(r.state));
}

/**
 * Stores a new request once per command invocation and announces it. The
 * same command again (Slack's retry, or the task redelivered after a worker
 * died): the first request stands, and what follows its creation is done
 * again, each step at most once, in case the first try was cut short.
 */
async function store(deps: PlanDeps, request: UpgradeRequest, triggerId: string) {
  const stored = await deps.requests.create(request, `trigger:${triggerId}`);
  if (!stored.created) {
    const first = await deps.requests.get(stored.id);
    if (first) await announce(deps, first);
    return { kind: "duplicate" as const, requestId: stored.id };
  }
  await announce(deps, request);
  return { kind: "requested" as const, requestId: request.id };
}

/** Posts a stored request for approval, audits it and sets its expiry; doing it again adds nothing. */
async function announce(deps: PlanDeps, request: UpgradeRequest): Promise<void> {
  await deps.chat.requested(request);
  await deps.audit.append({
    requestId: request.id,
    host: request.host,
    who: request.requestedBy,
    what: `${request.kind}-requested`,
    detail: `plan ${request.plan.hash}; runs ${request.runWindow.start} to ${request.runWindow.end}${request.emergency ? " (emergency)" : ""}${request.rollout ? `; hosts ${request.rollout.hosts.map((h) => h.host).join(", ")}` : ""}`,
    once: `${request.id}:requested`,
  });
  // A request decided meanwhile is not expired by it (expire-request).
  await deps.tasks.expireAt(request.id, new Date(request.expiresAt));
}
