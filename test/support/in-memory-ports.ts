import type { HostConfig } from "../../src/config/inventory-schema.js";
import type { AuditEvent, AuditLog } from "../../src/domain/audit-event.js";
import { type FleetNotice, type FleetState, QUIET_FLEET } from "../../src/domain/fleet-notice.js";
import type { LastUpgrade } from "../../src/domain/last-upgrade.js";
import type { HostRun } from "../../src/domain/rollout.js";
import { jobIdOf, type RollbackJob, type UpgradeJob } from "../../src/domain/upgrade-job.js";
import {
  type Action,
  type ApprovalPolicy,
  applyAction,
  type Transition,
  type UpgradeRequest,
} from "../../src/domain/upgrade-request.js";
import type { HostCheck } from "../../src/kcm/host-check.js";
import type {
  CheckInput,
  Decision,
  HealthGate,
  HostChecker,
  HostLocks,
  HostSnapshot,
  JobQueue,
  PlanInput,
  RequestChat,
  RequestRecords,
  RolloutRuns,
  TaskQueue,
  UpgradeRecords,
} from "../../src/requests/ports.js";

/**
 * The request use cases' ports in memory, for unit tests: each keeps what
 * it was given, in order, for the test to read. The records go through the
 * domain's state machine as the Redis store does (without its compare-and-set:
 * one process, one call at a time).
 */
export class MemoryRequests implements RequestRecords {
  readonly byId = new Map<string, UpgradeRequest>();
  private readonly dedupe = new Map<string, string>();

  async createdWith(dedupeKey: string) {
    return this.dedupe.get(dedupeKey);
  }

  async create(request: UpgradeRequest, dedupeKey?: string) {
    if (dedupeKey !== undefined) {
      const first = this.dedupe.get(dedupeKey);
      if (first !== undefined) return { created: false, id: first };
      this.dedupe.set(dedupeKey, request.id);
    }
    if (this.byId.has(request.id)) return { created: false, id: request.id };
    this.byId.set(request.id, request);
    return { created: true, id: request.id };
  }

  async get(id: string) {
    return this.byId.get(id);
  }

  async apply(id: string, action: Action, policy: ApprovalPolicy): Promise<Transition> {
    const request = this.byId.get(id);
    if (!request)
      return { ok: false, reason: `there is no request ${id} (or it is older than 90 days)` };
    const transition = applyAction(request, action, policy);
    if (transition.ok) this.byId.set(id, transition.request);
    return transition;
  }

  async recent(options: { host?: string; limit?: number } = {}) {
    return [...this.byId.values()]
      .filter(
        (r) =>
          options.host === undefined ||
          (r.rollout
            ? r.rollout.hosts.some((h) => h.host === options.host)
            : r.host === options.host),
      )
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .slice(0, options.limit ?? 20);
  }
}

/** What people would see: every call, in order. */
export class MemoryChat implements RequestChat {
  readonly requests: UpgradeRequest[] = [];
  readonly decisions: { request: UpgradeRequest; decision: Decision }[] = [];
  readonly expiries: UpgradeRequest[] = [];
  readonly checks: { input: CheckInput; checks: HostCheck[] }[] = [];
  readonly told: { responseUrl: string | undefined; text: string }[] = [];
  readonly progress: { request: UpgradeRequest; runs: Map<string, HostRun> }[] = [];
  readonly finished: { request: UpgradeRequest; runs: Map<string, HostRun> }[] = [];

  async rolloutProgress(request: UpgradeRequest, runs: ReadonlyMap<string, HostRun>) {
    this.progress.push({ request, runs: new Map(runs) });
  }

  /** Once per request, as the Slack adapter's keyed summary. */
  async rolloutFinished(request: UpgradeRequest, runs: ReadonlyMap<string, HostRun>) {
    if (!this.finished.some((f) => f.request.id === request.id))
      this.finished.push({ request, runs: new Map(runs) });
  }

  /** Once per request, as the Slack adapter's keyed root message. */
  async requested(request: UpgradeRequest) {
    if (!this.requests.some((r) => r.id === request.id)) this.requests.push(request);
  }

  async decided(request: UpgradeRequest, decision: Decision) {
    this.decisions.push({ request, decision });
  }

  async expired(request: UpgradeRequest) {
    this.expiries.push(request);
  }

  async checked(input: CheckInput, checks: HostCheck[]) {
    this.checks.push({ input, checks });
  }

  async tell(responseUrl: string | undefined, text: string) {
    this.told.push({ responseUrl, text });
  }

  readonly notices: { channel: string; notice: FleetNotice; key: string }[] = [];

  /** Once per key, as the Slack adapter's keyed post. */
  async fleetNotice(
    channel: string,
    notice: FleetNotice,
    _reasons: ReadonlyMap<string, string>,
    key: string,
  ) {
    if (!this.notices.some((n) => n.key === key)) this.notices.push({ channel, notice, key });
  }
}

export class MemoryJobQueue implements JobQueue {
  readonly upgrades: UpgradeJob[] = [];
  readonly rollbacks: RollbackJob[] = [];
  readonly removed: string[] = [];

  /** Once per job id, as BullMQ adds a job. */
  async enqueueUpgrade(job: UpgradeJob) {
    if (!this.upgrades.some((j) => jobIdOf(j) === jobIdOf(job))) this.upgrades.push(job);
  }

  async enqueueRollback(job: RollbackJob) {
    this.rollbacks.push(job);
  }

  async remove(requestId: string) {
    this.removed.push(requestId);
  }
}

export class MemoryTaskQueue implements TaskQueue {
  readonly plans: PlanInput[] = [];
  readonly checks: CheckInput[] = [];
  readonly expiries: { requestId: string; at: Date }[] = [];
  /** Each `advanceRollout` call, as `<request> <cause>`; BullMQ adds one job per pair. */
  readonly advances: string[] = [];

  /** Each `prefetchAhead` call, as `<request> <host>`, once each (its job id). */
  readonly prefetches: string[] = [];

  /** The fleet check's schedule as last set (undefined: none). */
  schedule: { check: string; timeZone: string } | undefined;

  async scheduleFleetCheck(schedule: { check: string; timeZone: string } | undefined) {
    this.schedule = schedule;
  }

  async prefetchAhead(requestId: string, host: string) {
    const key = `${requestId} ${host}`;
    if (!this.prefetches.includes(key)) this.prefetches.push(key);
  }

  async advanceRollout(requestId: string, cause: string) {
    const key = `${requestId} ${cause}`;
    if (!this.advances.includes(key)) this.advances.push(key);
  }

  async plan(input: PlanInput) {
    this.plans.push(input);
  }

  async check(input: CheckInput) {
    this.checks.push(input);
  }

  /** Once per request, as BullMQ's job id `expire-<request>` makes it. */
  async expireAt(requestId: string, at: Date) {
    if (!this.expiries.some((e) => e.requestId === requestId))
      this.expiries.push({ requestId, at });
  }
}

/** Rollout hosts' runs, as the Redis hash keeps them. */
export class MemoryRolloutRuns implements RolloutRuns {
  readonly byRequest = new Map<string, Map<string, HostRun>>();

  async all(requestId: string) {
    return new Map(this.byRequest.get(requestId) ?? []);
  }

  async leaveWaiting(requestId: string, host: string, run: HostRun) {
    const runs = this.byRequest.get(requestId) ?? new Map<string, HostRun>();
    this.byRequest.set(requestId, runs);
    if (runs.has(host)) return false;
    runs.set(host, run);
    return true;
  }

  async set(requestId: string, host: string, run: HostRun) {
    const runs = this.byRequest.get(requestId) ?? new Map<string, HostRun>();
    this.byRequest.set(requestId, runs);
    runs.set(host, run);
  }
}

/** A health gate that fails the hosts in `failing` with their problem, and records what it was asked. */
export class MemoryHealthGate implements HealthGate {
  readonly failing = new Map<string, string>();
  readonly asked: string[][] = [];

  async check(hosts: readonly HostConfig[]) {
    this.asked.push(hosts.map((h) => h.name));
    return hosts.flatMap((h) => {
      const problem = this.failing.get(h.name);
      return problem ? [{ host: h.name, problem }] : [];
    });
  }
}

/** The audit stream; an entry with a `once` key already seen is not appended again. */
export class MemoryAudit implements AuditLog {
  readonly entries: AuditEvent[] = [];

  async append(event: AuditEvent) {
    if (event.once !== undefined && this.entries.some((e) => e.once === event.once)) return;
    this.entries.push(event);
  }
}

/** The last fleet notice's state, in memory. */
export class MemoryFleetNotices {
  state: FleetState = QUIET_FLEET;

  async last() {
    return this.state;
  }

  async save(state: FleetState) {
    this.state = state;
  }
}

/** Each host's last check, in memory. */
export class MemoryFleetView {
  readonly recorded: { checks: readonly HostCheck[]; at: Date }[] = [];
  snapshots: HostSnapshot[] = [];

  async record(checks: readonly HostCheck[], at: Date) {
    this.recorded.push({ checks, at });
  }

  async all() {
    return this.snapshots;
  }
}

/** The clicks acted on, by trigger id. */
export class MemoryDeliveries {
  readonly seen = new Set<string>();

  async first(triggerId: string) {
    if (this.seen.has(triggerId)) return false;
    this.seen.add(triggerId);
    return true;
  }
}

export class MemoryUpgradeRecords implements UpgradeRecords {
  readonly byHost = new Map<string, LastUpgrade>();

  async last(host: string) {
    return this.byHost.get(host);
  }
}

/** Hosts' checks as the test scripts them, by host name; every call's host names, in order. */
export class MemoryHostChecker implements HostChecker {
  readonly results = new Map<string, HostCheck>();
  readonly calls: string[][] = [];

  async check(host: HostConfig) {
    this.calls.push([host.name]);
    return this.resultOf(host.name);
  }

  async checkMany(hosts: readonly HostConfig[]) {
    this.calls.push(hosts.map((h) => h.name));
    return hosts.map((h) => this.resultOf(h.name));
  }

  private resultOf(host: string): HostCheck {
    const result = this.results.get(host);
    if (result === undefined) throw new Error(`the test has no check of ${host} scripted`);
    return result;
  }
}

/** The hosts whose lock a job holds: host name → job id. */
export class MemoryHostLocks implements HostLocks {
  readonly holders = new Map<string, string>();

  async holderOf(host: string) {
    const jobId = this.holders.get(host);
    return jobId === undefined ? undefined : { jobId };
  }
}
