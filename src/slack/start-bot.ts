import type { webApi } from "@slack/bolt";
import type { Inventory, SlackPolicy } from "../config/inventory-schema.js";
import type { AppEnv } from "../config/read-env.js";
import type { ApprovalPolicy } from "../domain/upgrade-request.js";
import { BotConfigError } from "./bot-config-error.js";
import type { BotDeps } from "./bot-deps.js";
import { createSlackApp, type SlackConnection } from "./create-slack-app.js";
import type { SlackPoster } from "./poster/index.js";
import { resolveApprovers } from "./resolve-approvers.js";
import { newSlackLinkState, type SlackLinkState } from "./socket-link.js";

/**
 * Refuses a token Slack refuses (a typo, a revoked token): the bot could do
 * nothing with it. Slack unreachable is only a warning: the bot starts, and
 * what it says waits in its queues.
 */
async function verifyToken(
  client: { auth: { test(): Promise<{ ok?: boolean; user?: string; team?: string }> } },
  log: (line: string) => void,
): Promise<void> {
  try {
    const answer = await client.auth.test();
    log(`slack: signed in as ${answer.user ?? "?"} in ${answer.team ?? "?"}`);
  } catch (error) {
    const code = (error as { data?: { error?: string } }).data?.error;
    if (code)
      throw new BotConfigError(
        `Slack refused SLACK_BOT_TOKEN (${code}): copy the Bot User OAuth Token again`,
      );
    log(
      `slack: cannot reach Slack yet (${error instanceof Error ? error.message : String(error)}); starting anyway`,
    );
  }
}

/**
 * Sets (or takes away) the scheduled fleet check as the inventory says: one
 * job scheduler for the deployment, however many bots set it. Never stops
 * the bot: a schedule that cannot be set now is said in the log.
 */
async function scheduleFleetCheck(parts: BotParts, log: (line: string) => void): Promise<void> {
  const schedule = parts.deps.inventory.schedule;
  try {
    await parts.deps.tasks.scheduleFleetCheck(schedule);
    if (schedule)
      log(
        `kcm-chatops: the fleet is checked on "${schedule.check}" (${schedule.timeZone}); changes go to the channel`,
      );
  } catch (error) {
    log(
      `kcm-chatops: could not set the fleet check's schedule: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** A running bot, to stop in order. */
export interface RunningBot {
  stop(): Promise<void>;
}

export { BotConfigError };

/**
 * How the bot hears from Slack, from the environment, and its channels and
 * approvers, from the inventory. Throws BotConfigError naming what to set.
 */
export function slackSettingsOf(
  env: AppEnv,
  inventory: Inventory,
): { connection: Exclude<SlackConnection, { mode: "receiver" }>; slack: SlackPolicy } {
  const slack = inventory.slack;
  if (!slack)
    throw new BotConfigError(
      `${inventory.source} has no slack section: the bot needs its channels and approvers`,
    );
  if (!env.slackBotToken) throw new BotConfigError("SLACK_BOT_TOKEN is not set");
  const connection =
    env.slackMode === "socket"
      ? env.slackAppToken
        ? { mode: "socket" as const, botToken: env.slackBotToken, appToken: env.slackAppToken }
        : undefined
      : env.slackSigningSecret
        ? {
            mode: "http" as const,
            botToken: env.slackBotToken,
            signingSecret: env.slackSigningSecret,
            port: env.httpPort,
          }
        : undefined;
  if (!connection) {
    throw new BotConfigError(
      env.slackMode === "socket"
        ? "Socket Mode needs SLACK_APP_TOKEN (an app-level token with connections:write), or set KCM_SLACK_MODE=http"
        : "HTTP mode needs SLACK_SIGNING_SECRET",
    );
  }
  return { connection, slack };
}

/** What the bot starts with: the process's wiring (see runtime/create-runtime.ts) and Slack's client. */
export interface BotParts {
  env: AppEnv;
  /** The listeners' ports, but for the approvers, which the bot resolves. */
  deps: Omit<BotDeps, "slack" | "approvalPolicy">;
  poster: SlackPoster;
  /** Slack's Web API client: the token's check and the approver groups. */
  client: Pick<webApi.WebClient, "auth" | "usergroups">;
  /** Whether the listeners' Redis is up, and whether an error means it is away. */
  store: { up: () => boolean; unreachable: (error: unknown) => boolean };
}

/**
 * Starts the Slack side: the Bolt app (Socket Mode or HTTP) over the
 * request use cases' ports, the poster that delivers everything queued for
 * Slack, and the approvers (refreshed every 10 minutes from their user groups).
 */
export async function startBot(
  parts: BotParts,
  log: (line: string, fields?: Record<string, unknown>) => void,
  /** The Socket Mode link's state, kept up to date for `/healthz`. */
  link: SlackLinkState = newSlackLinkState(),
): Promise<RunningBot> {
  const { connection, slack } = slackSettingsOf(parts.env, parts.deps.inventory);
  await verifyToken(parts.client, log);
  let resolved = await resolveApprovers(parts.client, slack, new Map(), log);
  const refresh = setInterval(async () => {
    resolved = await resolveApprovers(parts.client, slack, resolved.groups, log);
  }, 600_000);
  refresh.unref();
  const approvalPolicy = (): ApprovalPolicy => ({
    approvers: resolved.approvers,
    expiryMinutes: slack.requestExpiryMinutes,
  });
  const app = createSlackApp(
    connection,
    { ...parts.deps, slack, approvalPolicy },
    {
      ...(parts.env.slackApiUrl ? { slackApiUrl: parts.env.slackApiUrl } : {}),
      log,
      store: parts.store,
      link: {
        state: link,
        backoff: parts.env.slackReconnect,
        log: (line, fields) => log(line, fields),
      },
    },
  );
  parts.poster.start();
  await scheduleFleetCheck(parts, log);
  await app.start();
  const how =
    connection.mode === "http"
      ? `HTTP on port ${connection.port}`
      : link.up
        ? "Socket Mode"
        : `Socket Mode, not connected yet: ${link.reason}`;
  log(
    `kcm-chatops bot ready (${how}; channels ${slack.channels.join(", ")}; ${resolved.approvers.size} approvers)`,
  );
  return {
    async stop() {
      clearInterval(refresh);
      // With Redis away, the app and the poster would wait for it: a second at most each.
      const within = (work: Promise<unknown>) =>
        Promise.race([work.catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
      await within(app.stop());
      await within(parts.poster.stop());
    },
  };
}
