/**
 * The Slack bot process (`npm start`): takes `/kcm` commands and button
 * clicks, and delivers what the workers report. Environment: see
 * src/config/read-env.ts; needs REDIS_URL (or REDIS_SENTINELS),
 * SLACK_BOT_TOKEN and either SLACK_APP_TOKEN (Socket Mode, the default) or
 * SLACK_SIGNING_SECRET (HTTP).
 */
import { ConfigError } from "./config/config-error.js";
import { loadInventory } from "./config/load-inventory.js";
import { readEnv } from "./config/read-env.js";
import { createLogger } from "./observability/create-logger.js";
import { posterLogSink } from "./observability/poster-log-sink.js";
import { secretsOf } from "./observability/secrets-of.js";
import { DashboardConfigError } from "./observability/start-dashboard.js";
import { startObservability } from "./observability/start-observability.js";
import { botPartsOf } from "./runtime/bot-parts.js";
import { createRuntime, RuntimeError } from "./runtime/create-runtime.js";
import { runtimeLog } from "./runtime/runtime-log.js";
import { createPosterClient, type PosterLogEntry } from "./slack/poster/index.js";
import { newSlackLinkState } from "./slack/socket-link.js";
import { BotConfigError, slackSettingsOf, startBot } from "./slack/start-bot.js";

type PosterLogger = (entry: PosterLogEntry) => void;

// JSON lines on stdout; the level and the secrets are known once the environment is read.
let logger = createLogger({ name: "kcm-chatops" });
const log = (line: string, fields?: Record<string, unknown>) =>
  fields ? logger.info(fields, line) : logger.info(line);

async function main(): Promise<number> {
  const env = readEnv();
  logger = createLogger({ name: "kcm-chatops", level: env.logLevel, secrets: secretsOf(env) });
  const inventory = await loadInventory(env.inventoryPath);
  // Refused before anything connects: a bot without Slack settings does nothing.
  slackSettingsOf(env, inventory);
  const client = createPosterClient(
    env.slackBotToken ?? "",
    env.slackApiUrl ? { slackApiUrl: env.slackApiUrl } : {},
  );
  // The poster's entries go to the log, and to the metrics once they exist.
  let posterLog: PosterLogger = (entry) => logger.info({ poster: entry }, "slack poster");
  let observability: Awaited<ReturnType<typeof startObservability>> | undefined;
  const runtime = await createRuntime({
    name: "kcm-chatops",
    env,
    inventory,
    log: runtimeLog(() => logger),
    // What is said in Slack waits out an outage; what commands change fails at once.
    requestsRedis: "fail-fast",
    storeCommandTimeoutMs: 1500,
    chat: { client, log: (entry) => posterLog(entry) },
  });
  // The Socket Mode link, as /healthz tells it.
  const link = newSlackLinkState();
  try {
    observability = await startObservability({
      env,
      redis: runtime.redis,
      metricsPort: env.botMetricsPort,
      dashboard: true,
      watch: runtime.watch,
      ...(env.slackMode === "socket" ? { slack: link } : {}),
      log: (line) => log(`kcm-chatops: ${line}`),
    });
    posterLog = posterLogSink(logger, observability.metrics);
    const bot = await startBot(botPartsOf(runtime, client), log, link);
    await new Promise<void>((resolve) => {
      process.once("SIGTERM", () => resolve());
      process.once("SIGINT", () => resolve());
    });
    log("kcm-chatops: stopping");
    await bot.stop();
  } finally {
    await Promise.race([observability?.close(), new Promise((r) => setTimeout(r, 1000))]);
    await runtime.close();
  }
  return 0;
}
main().then(
  (code) => {
    // Everything is stopped; what is left (the Slack client's retry timers
    // while Slack is unreachable) must not keep the process alive.
    process.exit(code);
  },
  (error: unknown) => {
    const known =
      error instanceof ConfigError ||
      error instanceof BotConfigError ||
      error instanceof DashboardConfigError ||
      error instanceof RuntimeError;
    if (known) logger.fatal(error.message);
    else
      logger.fatal(
        { err: error },
        `kcm-chatops: ${error instanceof Error ? error.message : error}`,
      );
    process.exitCode = error instanceof RuntimeError ? error.exitCode : known ? 2 : 1;
  },
);
