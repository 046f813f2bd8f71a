import type { HostConfig } from "../config/inventory-schema.js";
import type { FleetNotice, FleetState } from "../domain/fleet-notice.js";
import type { LastUpgrade } from "../domain/last-upgrade.js";
import type { WhenSpec } from "../domain/parse-kcm-command.js";
import type { HostRun } from "../domain/rollout.js";
import type { RollbackJob, UpgradeJob } from "../domain/upgrade-job.js";
import type { UpgradePlan } from "../domain/upgrade-plan.js";
import type {
  Action,
  ApprovalPolicy,
  Transition,
  UpgradeRequest,
} from "../domain/upgrade-request.js";
import type { HostCheck } from "../kcm/host-check.js";

/**
 * The narrow ports the request use cases work over. Each use case declares
 * the slice it needs (a `Pick` of these); the adapters are in `store/`,
 * `queue/` and `slack/`, and tests pass small in-memory ones.
 */

/** Requests as stored (store/RequestStore): every change through the state machine, compare-and-set. */
export interface RequestRecords {
  /** With `dedupeKey`, the same key within an hour gives back the first request's id. */
  create(request: UpgradeRequest, dedupeKey?: string): Promise<{ created: boolean; id: string }>;
  /** The id of the request created with `dedupeKey` within the hour, if any. */
  createdWith(dedupeKey: string): Promise<string | undefined>;
  get(id: string): Promise<UpgradeRequest | undefined>;
  apply(id: string, action: Action, policy: ApprovalPolicy): Promise<Transition>;
  /** The newest requests (of one host, if given), newest first. */
  recent(options?: { host?: string; limit?: number }): Promise<UpgradeRequest[]>;
}

/** A decision a person makes with a button or a command. */
export type Decision = Extract<Action, { by: string }>;

/** What people see of a request's life: in Slack, its thread. */
export interface RequestChat {
  /** A new request: its root message, with the buttons that make sense. Once per request, however often called. */
  requested(request: UpgradeRequest): Promise<void>;
  /** A person's decision: the root as the request is now, and a note in the thread. */
  decided(request: UpgradeRequest, decision: Decision): Promise<void>;
  /** Nobody approved in time. */
  expired(request: UpgradeRequest): Promise<void>;
  /**
   * A rollout moved on (hosts queued, finished, never started): its root
   * message, one line per host. Coalesced: only the latest shows.
   */
  rolloutProgress(request: UpgradeRequest, runs: ReadonlyMap<string, HostRun>): Promise<void>;
  /** A rollout is over: the root as it ends, and one summary reply. Once per request, however often called. */
  rolloutFinished(request: UpgradeRequest, runs: ReadonlyMap<string, HostRun>): Promise<void>;
  /** A check's summary, in the channel it was asked in. */
  checked(input: CheckInput, checks: HostCheck[]): Promise<void>;
  /** Says `text` to the person who asked, and to nobody else (Slack: the command's response URL). */
  tell(responseUrl: string | undefined, text: string): Promise<void>;
  /**
   * What a scheduled check found changed, in `channel`: the releases newly
   * pending (with a button that asks for their upgrade), hosts newly failing
   * (with `reasons`, host → summary) and recovered. Posted once per `key`.
   */
  fleetNotice(
    channel: string,
    notice: FleetNotice,
    reasons: ReadonlyMap<string, string>,
    key: string,
  ): Promise<void>;
}

/** One host as its last check (asked for or scheduled) left it: what the App Home shows. */
export interface HostSnapshot {
  host: string;
  /** ISO time of the check. */
  checkedAt: string;
  kcmVersion?: string;
  layout?: string;
  /** The KCM release pending, `from → to` (absent: nothing pending, or not known). */
  pending?: { from: string; to: string; packages: number };
  sessions?: number | null;
  /** Why the check failed, in our words. */
  problem?: string;
}

/** Each host's last check (Redis in production). */
export interface FleetView {
  record(checks: readonly HostCheck[], at: Date): Promise<void>;
  all(): Promise<HostSnapshot[]>;
}

/** The last fleet state a notice was given for (Redis in production). */
export interface FleetNotices {
  /** The state of the last notice; nothing pending, nothing failing before the first. */
  last(): Promise<FleetState>;
  save(state: FleetState): Promise<void>;
}

/** The queue of approved jobs. */
export interface JobQueue {
  enqueueUpgrade(job: UpgradeJob): Promise<void>;
  enqueueRollback(job: RollbackJob): Promise<void>;
  /** Takes a job off the queue before it begins; nothing if it began, or is not there. */
  remove(requestId: string): Promise<void>;
}

/** `/kcm upgrade` (or `rollback`), as the worker gets it to plan. */
export interface PlanInput {
  requestKind: "upgrade" | "rollback";
  /** A host; for an upgrade also a group, `all` or `host,host,...` (one rollout request). */
  host: string;
  when: WhenSpec;
  requestedBy: string;
  channel: string;
  /** Slack's id of the command invocation: one request per invocation, retries included. */
  triggerId: string;
  responseUrl?: string | undefined;
}

/** `/kcm check <target>`, as the worker gets it. */
export interface CheckInput {
  target: string;
  requestedBy: string;
  channel: string;
  /** Slack's id of the command invocation: one check per invocation, retries included. */
  triggerId: string;
  responseUrl?: string | undefined;
}

/** The queue of the bot's slow work (anything over SSH, and timers). */
export interface TaskQueue {
  plan(input: PlanInput): Promise<void>;
  check(input: CheckInput): Promise<void>;
  /** Expires the request at `at` unless it was decided by then. */
  expireAt(requestId: string, at: Date): Promise<void>;
  /**
   * Moves a rollout on (requests/advance-rollout). `cause` names what
   * happened (approved, a host finished, cancelled): one task per cause.
   */
  advanceRollout(requestId: string, cause: string): Promise<void>;
  /** Downloads a rollout host's packages ahead of its turn (requests/prefetch-ahead); once per host. */
  prefetchAhead(requestId: string, host: string): Promise<void>;
  /**
   * The fleet check's schedule (a cron in a time zone), set once for the
   * whole deployment however many processes set it; none: no scheduled check.
   */
  scheduleFleetCheck(schedule: { check: string; timeZone: string } | undefined): Promise<void>;
}

/**
 * Downloads a plan's packages on a host while its services run (yum's
 * download-only), as the runbook's prefetch step does. Resolves to how it
 * went; never rejects for the host's sake.
 */
export interface HostPrefetcher {
  prefetch(host: HostConfig, plan: UpgradePlan): Promise<{ ok: boolean; detail: string }>;
}

/** Where each host of a rollout is (store/rollout-runs). A host with no run is waiting. */
export interface RolloutRuns {
  all(requestId: string): Promise<Map<string, HostRun>>;
  /** Sets a waiting host's run; false (and nothing changes) when it has one already. */
  leaveWaiting(requestId: string, host: string, run: HostRun): Promise<boolean>;
  /** Sets a host's run, whatever it was (the host's job, which knows). */
  set(requestId: string, host: string, run: HostRun): Promise<void>;
}

/**
 * The health gate between a rollout's batches: each host's services are
 * active and its probe (where configured) passes. Resolves to the hosts that
 * fail it, each with why.
 */
export interface HealthGate {
  check(hosts: readonly HostConfig[]): Promise<{ host: string; problem: string }[]>;
}

/** The record of each host's last upgrade (store/upgrade-records). */
export interface UpgradeRecords {
  last(host: string): Promise<LastUpgrade | undefined>;
}

/** Who holds a host's lock now (a job running on it), if anyone. */
export interface HostLocks {
  holderOf(host: string): Promise<{ jobId: string } | undefined>;
}

/** Checks hosts over SSH (runbook/check-host, in the workers). */
export interface HostChecker {
  check(host: HostConfig): Promise<HostCheck>;
  checkMany(hosts: readonly HostConfig[]): Promise<HostCheck[]>;
}
