import type { types } from "@slack/bolt";
import type { HostRun } from "../../domain/rollout.js";
import { isDraining, type UpgradeRequest } from "../../domain/upgrade-request.js";
import { formatPackageVersion } from "../../kcm/package-version.js";
import { describePolicy, rolloutPlanText, rolloutProgressText } from "./rollout-blocks.js";

type KnownBlock = types.KnownBlock;

/** What the buttons of a request send: `action_id` names the action, `value` the request. */
export const REQUEST_ACTIONS = {
  approve: "kcm_approve",
  confirm: "kcm_confirm_emergency",
  reject: "kcm_reject",
  cancel: "kcm_cancel",
} as const;

const STATE_LINE: Record<UpgradeRequest["state"], string> = {
  pending: ":hourglass_flowing_sand: Waiting for approval",
  "awaiting-emergency":
    ":rotating_light: Approved as an emergency, waiting for the approver's confirmation",
  approved: ":white_check_mark: Approved, scheduled",
  running: ":arrows_counterclockwise: Running",
  succeeded: ":large_green_circle: Done",
  failed: ":red_circle: Failed",
  rejected: ":no_entry_sign: Rejected",
  cancelled: ":leftwards_arrow_with_hook: Cancelled",
  expired: ":hourglass: Expired without a decision",
};

/** Slack's date token: each reader sees the time in their own time zone. */
export function slackDate(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  return `<!date^${seconds}^{date_short_pretty} {time}|${iso}>`;
}

/** The extra lines of a request's root message while it runs and once it ends. */
export interface RequestView {
  /** Where the window is described for people, with its time zone. */
  windowLabel: string;
  /** e.g. "preflight ✓ · layout ✓ · prefetch ✓ · stop ✓ · upgrade …" */
  progress?: string;
  /** One line for the end: "Upgraded 9 packages; downtime 2.1 s". */
  result?: string;
  /** A rollout's hosts, each as it is now (a line per host on the root message). */
  runs?: ReadonlyMap<string, HostRun>;
}

/**
 * The root message of a request's thread: what will change on which host,
 * when, who asked, until when it can be approved, the plan's hash, its state,
 * and the buttons that still make sense.
 */
export function requestBlocks(
  request: UpgradeRequest,
  view: RequestView,
): { text: string; blocks: KnownBlock[] } {
  const verb =
    request.kind === "upgrade" ? "Upgrade" : `Rollback of transaction ${request.transactionId}`;
  const title = `${verb} on ${request.host} (${request.id})`;
  const lines = request.plan.packages.map(
    (p) =>
      `${p.name} ${p.from ? formatPackageVersion(p.from) : "(not installed)"} → ${formatPackageVersion(p.to)}`,
  );
  const decided = [...request.history].reverse().find((h) => h.action !== "requested");
  const blocks: KnownBlock[] = [
    { type: "header", text: { type: "plain_text", text: title.slice(0, 150) } },
    {
      type: "section",
      text: {
        type: "mrkdwn",
        text: `*${STATE_LINE[request.state]}*${decided ? ` (${decided.action} by ${decided.by.startsWith("U") || decided.by.startsWith("W") ? `<@${decided.by}>` : decided.by} ${slackDate(decided.at)})` : ""}`,
      },
    },
    {
      type: "section",
      fields: [
        request.rollout
          ? {
              type: "mrkdwn",
              text: `*Hosts*\n${request.rollout.hosts.length} of \`${request.host}\`: ${describePolicy(request.rollout.policy)}`,
            }
          : {
              type: "mrkdwn",
              text: `*Host*\n\`${request.host}\`${sessionsAtPlan(request.sessions)}`,
            },
        { type: "mrkdwn", text: `*Requested by*\n<@${request.requestedBy}>` },
        { type: "mrkdwn", text: `*Runs*\n${view.windowLabel}` },
        { type: "mrkdwn", text: `*Approve before*\n${slackDate(request.expiresAt)}` },
      ],
    },
    request.rollout
      ? {
          type: "section",
          text: { type: "mrkdwn", text: rolloutPlanText(request.rollout, request.plan.hash) },
        }
      : {
          type: "section",
          text: {
            type: "mrkdwn",
            text: `*Plan* (${lines.length} package${lines.length === 1 ? "" : "s"}, hash \`${request.plan.hash.slice(0, 12)}\`)\n\`\`\`${lines.join("\n") || "(nothing)"}\`\`\``.slice(
              0,
              3000,
            ),
          },
        },
  ];
  if (
    request.emergency &&
    (request.state === "pending" || request.state === "awaiting-emergency")
  ) {
    blocks.push({
      type: "context",
      elements: [
        {
          type: "mrkdwn",
          text: ":rotating_light: Outside the maintenance window: the approver must confirm it a second time.",
        },
      ],
    });
  }
  if (request.rollout && view.runs && view.runs.size > 0) {
    blocks.push({
      type: "section",
      text: { type: "mrkdwn", text: rolloutProgressText(request.rollout, view.runs) },
    });
  }
  if (view.progress)
    blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: view.progress }] });
  if (view.result)
    blocks.push({ type: "section", text: { type: "mrkdwn", text: view.result.slice(0, 3000) } });
  const buttons = buttonsFor(request);
  if (buttons.length > 0)
    blocks.push({ type: "actions", block_id: `kcm_request_${request.id}`, elements: buttons });
  return { text: `${title}: ${STATE_LINE[request.state].replace(/^:[a-z_]+: /, "")}`, blocks };
}

/** " (3 active sessions at plan time)", or nothing when they were not counted. */
export function sessionsAtPlan(sessions: number | null | undefined): string {
  if (sessions === undefined) return "";
  if (sessions === null) return " (active sessions unknown)";
  return ` (${sessions === 0 ? "no" : sessions} active session${sessions === 1 ? "" : "s"} at plan time)`;
}

/** The sessions a request's stop would cut, as counted at plan time: a number, or why not. */
function sessionsToCut(request: UpgradeRequest): string {
  const counts = request.rollout
    ? request.rollout.hosts.map((h) => h.sessions)
    : [request.sessions];
  if (counts.some((c) => c === undefined || c === null))
    return "an unknown number of active sessions";
  const total = counts.reduce<number>((sum, c) => sum + (c ?? 0), 0);
  return total === 0 ? "no active sessions" : `${total} active session${total === 1 ? "" : "s"}`;
}

/**
 * Slack's confirmation dialog on the emergency button: what stopping now,
 * outside the window, does, and whom it cuts off (as counted at plan time).
 */
function emergencyPrompt(request: UpgradeRequest): types.ConfirmationDialog {
  const where = request.rollout
    ? `${request.rollout.hosts.length} hosts of ${request.host}, one batch after another`
    : request.host;
  return {
    title: { type: "plain_text", text: "Run it now?" },
    text: {
      type: "plain_text",
      text: `This stops KCM on ${where} now, outside the maintenance window. At plan time there were ${sessionsToCut(request)}: the stop cuts them off.`.slice(
        0,
        300,
      ),
    },
    confirm: { type: "plain_text", text: "Stop and upgrade now" },
    deny: { type: "plain_text", text: "Not now" },
    style: "danger",
  };
}

function buttonsFor(request: UpgradeRequest): types.Button[] {
  const button = (text: string, actionId: string, style?: "primary" | "danger"): types.Button => ({
    type: "button",
    text: { type: "plain_text", text },
    action_id: actionId,
    value: request.id,
    ...(style ? { style } : {}),
  });
  switch (request.state) {
    case "pending":
      return [
        button(
          request.emergency ? "Approve (emergency)" : "Approve",
          REQUEST_ACTIONS.approve,
          "primary",
        ),
        button("Reject", REQUEST_ACTIONS.reject, "danger"),
        button("Cancel", REQUEST_ACTIONS.cancel),
      ];
    case "awaiting-emergency":
      return [
        {
          ...button("Confirm emergency: run now", REQUEST_ACTIONS.confirm, "danger"),
          confirm: emergencyPrompt(request),
        },
        button("Cancel", REQUEST_ACTIONS.cancel),
      ];
    case "approved":
      return [button("Cancel", REQUEST_ACTIONS.cancel)];
    case "running":
      // A rollout can be stopped between hosts: no new host starts.
      if (request.rollout) return [button("Cancel (no new host starts)", REQUEST_ACTIONS.cancel)];
      // A single host's job waiting for sessions to end has stopped nothing yet.
      return isDraining(request)
        ? [button("Cancel (nothing stopped yet)", REQUEST_ACTIONS.cancel)]
        : [];
    default:
      return [];
  }
}
