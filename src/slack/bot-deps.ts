import type { Inventory, SlackPolicy } from "../config/inventory-schema.js";
import type { AuditLog } from "../domain/audit-event.js";
import type { ApprovalPolicy, UpgradeRequest } from "../domain/upgrade-request.js";
import type {
  FleetNotices,
  FleetView,
  JobQueue,
  RequestChat,
  RequestRecords,
  RolloutRuns,
  TaskQueue,
} from "../requests/ports.js";

/**
 * What the Slack listeners need: the request use cases' ports. None of it
 * opens SSH; slow work goes to the task queue.
 */
export interface BotDeps {
  inventory: Inventory;
  slack: SlackPolicy;
  /** The approvers now (user ids, with the approver groups' members resolved). */
  approvalPolicy: () => ApprovalPolicy;
  requests: Pick<RequestRecords, "apply" | "recent">;
  /** Where a rollout's hosts are, for `status`. */
  runs: Pick<RolloutRuns, "all">;
  chat: Pick<RequestChat, "decided">;
  /** Checks and plans, for the workers; a rollout's coordinator; the fleet check's schedule. */
  tasks: Pick<TaskQueue, "plan" | "check" | "advanceRollout" | "scheduleFleetCheck">;
  /** The last scheduled check's state: which hosts wait for which release (a notice's button). */
  notices: Pick<FleetNotices, "last">;
  /** Approved upgrade and rollback jobs. */
  jobs: JobQueue;
  audit: AuditLog;
  /**
   * Whether a click (by its trigger id) is delivered for the first time: a
   * redelivery is not acted on twice. Also a limit: the first `id` within `ttlS`.
   */
  deliveries: { first(id: string, ttlS?: number): Promise<boolean> };
  /** Each host's last check (the App Home). */
  fleet: Pick<FleetView, "all">;
  /** A link to a request's thread, once its root message is posted. */
  threadLink(request: UpgradeRequest): Promise<string | undefined>;
  now: () => Date;
}
