import type { Queue } from "bullmq";
import type { Inventory, SlackPolicy } from "../config/inventory-schema.js";
import type { ApprovalPolicy } from "../domain/upgrade-request.js";
import type { AuditLog } from "../runbook/runbook-ports.js";
import type { RequestStore } from "../store/request-store.js";
import type { SlackPoster } from "./poster/index.js";

/** What the Slack listeners need; none of it opens SSH (slow work goes to the queues). */
export interface BotDeps {
  inventory: Inventory;
  slack: SlackPolicy;
  /** The approvers now (user ids, with the approver groups' members resolved). */
  approvalPolicy: () => ApprovalPolicy;
  store: RequestStore;
  poster: SlackPoster;
  /** Checks, plans and expiries. */
  tasks: Queue;
  /** Approved upgrade and rollback jobs. */
  upgrades: Queue;
  audit: AuditLog;
  now: () => Date;
}
