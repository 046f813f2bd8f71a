import type { Redis } from "ioredis";
import type { Inventory } from "../config/inventory-schema.js";
import type { AppEnv } from "../config/read-env.js";
import type { ApprovalPolicy } from "../domain/upgrade-request.js";
import { openQueue } from "../queue/open-queue.js";
import { UPGRADE_QUEUE } from "../queue/queue-names.js";
import { TASK_QUEUE } from "../queue/task-schemas.js";
import { StoreUnavailableError } from "../runbook/runbook-failure.js";
import type { RedisWatch } from "../store/connect-redis.js";
import { RedisAuditLog } from "../store/redis-audit-log.js";
import { RequestStore } from "../store/request-store.js";
import { storeKeys } from "../store/store-keys.js";
import { isUnreachable } from "../store/store-unavailable.js";
import { createSlackApp } from "./create-slack-app.js";
import { createPosterClient, createSlackPoster, type PosterLogEntry } from "./poster/index.js";
import { posterPrefix } from "./poster-prefix.js";
import { resolveApprovers } from "./resolve-approvers.js";

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

/** A running bot, to stop in order. */
export interface RunningBot {
  stop(): Promise<void>;
}

/** Why the bot cannot start, for the operator. */
export class BotConfigError extends Error {
  override readonly name = "BotConfigError";
  readonly code = "bot-config";
}

/**
 * Starts the Slack side: the Bolt app (Socket Mode or HTTP), the poster that
 * delivers everything queued for Slack, and the approvers (refreshed every 10
 * minutes from their user groups). The poster's entries go to `options.posterLog`
 * (by default, a `log` line each).
 */
export async function startBot(
  env: AppEnv,
  inventory: Inventory,
  redis: Redis,
  log: (line: string) => void,
  options: {
    posterLog?: (entry: PosterLogEntry) => void;
    /**
     * A fail-fast connection for what commands and clicks change (requests,
     * the queues, the audit stream), and the watch of the process's Redis:
     * while Redis is away they are answered at once that nothing changed.
     * @defaultValue `redis`, unguarded
     */
    store?: { redis: Redis; watch: RedisWatch };
  } = {},
): Promise<RunningBot> {
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
  const keys = storeKeys(env.redisPrefix);
  const client = createPosterClient(
    env.slackBotToken,
    env.slackApiUrl ? { slackApiUrl: env.slackApiUrl } : {},
  );
  const poster = createSlackPoster({
    redis,
    prefix: posterPrefix(env.redisPrefix),
    client,
    log: options.posterLog ?? ((entry) => log(`slack poster: ${JSON.stringify(entry)}`)),
  });
  const storeRedis = options.store?.redis ?? redis;
  const tasks = openQueue(TASK_QUEUE, storeRedis, env.redisPrefix);
  const upgrades = openQueue(UPGRADE_QUEUE, storeRedis, env.redisPrefix);
  await verifyToken(client, log);
  let resolved = await resolveApprovers(client, slack, new Map(), log);
  const refresh = setInterval(async () => {
    resolved = await resolveApprovers(client, slack, resolved.groups, log);
  }, 600_000);
  refresh.unref();
  const approvalPolicy = (): ApprovalPolicy => ({
    approvers: resolved.approvers,
    expiryMinutes: slack.requestExpiryMinutes,
  });
  const app = createSlackApp(
    connection,
    {
      inventory,
      slack,
      approvalPolicy,
      store: new RequestStore(storeRedis, keys),
      poster,
      tasks,
      upgrades,
      audit: new RedisAuditLog(storeRedis, keys),
      now: () => new Date(),
    },
    {
      ...(env.slackApiUrl ? { slackApiUrl: env.slackApiUrl } : {}),
      log,
      ...(options.store
        ? {
            store: {
              up: () => options.store?.watch.up ?? true,
              unreachable: (error: unknown) =>
                error instanceof StoreUnavailableError || isUnreachable(storeRedis, error),
            },
          }
        : {}),
    },
  );
  poster.start();
  await app.start();
  log(
    `kcm-chatops bot ready (${connection.mode === "socket" ? "Socket Mode" : `HTTP on port ${connection.port}`}; channels ${slack.channels.join(", ")}; ${resolved.approvers.size} approvers)`,
  );
  return {
    async stop() {
      clearInterval(refresh);
      // With Redis away, the poster and the queues would wait for it: a second at most each.
      const within = (work: Promise<unknown>) =>
        Promise.race([work.catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
      await within(app.stop());
      await within(poster.stop());
      await within(Promise.all([tasks.close(), upgrades.close()]));
    },
  };
}
