import type { Inventory } from "../config/inventory-schema.js";
import type { AppEnv } from "../config/read-env.js";
import type { Finding } from "../runbook/finding.js";
import { checkBotToken } from "../slack/check-bot-token.js";
import { type Heartbeat, RedisHeartbeats } from "../store/heartbeats.js";
import { inspectRedis, versionAtLeast } from "../store/inspect-redis.js";
import { storeKeys } from "../store/store-keys.js";
import { describeRedisUrl, openRedis } from "./open-redis.js";

/**
 * The oldest Redis kcm-chatops supports: BullMQ's recommended minimum, and
 * the first with exclusive XRANGE bounds, which `audit export` uses.
 */
export const MINIMUM_REDIS = "6.2.0";

const skipped = (check: string, summary: string): Finding => ({
  check,
  status: "skipped",
  summary,
  details: [],
  fix: [],
});

/**
 * The bot's Redis, when REDIS_URL is set: it answers; its version; its
 * `maxmemory-policy` is `noeviction` (anything else may evict queued jobs,
 * journals and locks); the append-only file is on (without it a restart
 * loses what was written since the last snapshot: approvals, journals, the
 * audit stream).
 */
export async function checkRedis(env: AppEnv): Promise<Finding[]> {
  if (env.redisUrl === undefined) {
    return [skipped("redis", "not checked: REDIS_URL is not set (the bot and the worker need it)")];
  }
  const url = describeRedisUrl(env.redisUrl);
  let facts: Awaited<ReturnType<typeof inspectRedis>>;
  try {
    const redis = await openRedis(env.redisUrl);
    try {
      facts = await inspectRedis(redis);
    } finally {
      redis.disconnect();
    }
  } catch (error) {
    return [
      {
        check: "redis",
        status: "failed",
        summary: `cannot reach Redis at ${url}: ${error instanceof Error ? error.message : String(error)}`,
        details: [],
        fix: ["start Redis, or correct REDIS_URL (host, port, password; rediss:// for TLS)"],
      },
    ];
  }
  const findings: Finding[] = [];
  const recent = versionAtLeast(facts.version, MINIMUM_REDIS);
  findings.push({
    check: "redis",
    status: recent ? "ok" : "failed",
    summary: `${url} answers: Redis ${facts.version}${recent ? "" : `, older than ${MINIMUM_REDIS}`}`,
    details: [],
    fix: recent ? [] : [`upgrade Redis to ${MINIMUM_REDIS} or newer (7.x recommended)`],
  });
  const noeviction = facts.maxmemoryPolicy === "noeviction";
  findings.push({
    check: "redis policy",
    status: noeviction ? "ok" : "failed",
    summary: noeviction
      ? "maxmemory-policy noeviction"
      : `maxmemory-policy is ${facts.maxmemoryPolicy}, not noeviction: Redis may evict queued jobs, journals, locks and the audit stream when memory runs short (the worker refuses to start)`,
    details: [],
    fix: noeviction
      ? []
      : [
          'set "maxmemory-policy noeviction" in redis.conf, or: redis-cli CONFIG SET maxmemory-policy noeviction && redis-cli CONFIG REWRITE',
        ],
  });
  findings.push({
    check: "redis persistence",
    status: facts.aofEnabled ? "ok" : "failed",
    summary: facts.aofEnabled
      ? "append-only file on (aof_enabled:1)"
      : "append-only file off (aof_enabled:0): a restart of Redis loses every write since its last snapshot (requests, approvals, journals, the audit stream)",
    details: [],
    fix: facts.aofEnabled
      ? []
      : [
          'set "appendonly yes" in redis.conf, or: redis-cli CONFIG SET appendonly yes && redis-cli CONFIG REWRITE',
        ],
  });
  return findings;
}

/** The bot token, when SLACK_BOT_TOKEN is set: `auth.test` at Slack (or SLACK_API_URL). */
export async function checkSlack(env: AppEnv): Promise<Finding[]> {
  if (env.slackBotToken === undefined) {
    return [skipped("slack", "not checked: SLACK_BOT_TOKEN is not set (the bot needs it)")];
  }
  const result = await checkBotToken(env.slackBotToken, {
    ...(env.slackApiUrl === undefined ? {} : { slackApiUrl: env.slackApiUrl }),
  });
  if (result.ok) {
    return [
      {
        check: "slack",
        status: "ok",
        summary: `the bot token is ${result.user} (${result.userId}) in ${result.team} (${result.teamId})`,
        details: [],
        fix: [],
      },
    ];
  }
  const { failure } = result;
  const fix =
    failure.kind === "refused"
      ? [
          "the token is wrong, revoked or lacks a grant: copy the Bot User OAuth Token (xoxb-...) from the Slack app's",
          "OAuth & Permissions page into SLACK_BOT_TOKEN (reinstall the app if it was removed)",
        ]
      : [
          `Slack did not answer (${env.slackApiUrl ?? "https://slack.com/api/"}): check this machine's network, proxy and firewall, or SLACK_API_URL`,
        ];
  return [
    {
      check: "slack",
      status: "failed",
      summary: `auth.test failed: ${failure.reason}`,
      details: [],
      fix,
    },
  ];
}

/**
 * Whether the running bot and workers run this inventory (each says which,
 * in Redis, every 20 s). Requests follow more than one process's inventory:
 * the channels, approvers and requesters are the bot's; the approval
 * expiry, windows, hosts and policies the worker's that plans or runs the
 * job. So processes that differ get a warning naming each one.
 */
export async function checkInventories(env: AppEnv, inventory: Inventory): Promise<Finding[]> {
  if (env.redisUrl === undefined) return [];
  let beats: Heartbeat[];
  try {
    const redis = await openRedis(env.redisUrl);
    try {
      beats = await new RedisHeartbeats(redis, storeKeys(env.redisPrefix)).all();
    } finally {
      redis.disconnect();
    }
  } catch {
    // checkRedis says why Redis cannot be reached.
    return [];
  }
  if (beats.length === 0) {
    return [
      skipped(
        "same inventory",
        "no bot or worker is running (none has said which inventory it runs in the last minute)",
      ),
    ];
  }
  const who = (b: Heartbeat) => `${b.role} ${b.id} runs ${b.inventory} (${b.source})`;
  const others = beats.filter((b) => b.inventory !== inventory.digest);
  if (others.length === 0) {
    return [
      {
        check: "same inventory",
        status: "ok",
        summary: `${beats.length} running process${beats.length === 1 ? "" : "es"} run this inventory (${inventory.digest})`,
        details: beats.map(who),
        fix: [],
      },
    ];
  }
  return [
    {
      check: "same inventory",
      status: "warning",
      summary: `${others.length} of ${beats.length} running processes run another inventory than ${inventory.source} (${inventory.digest}): requests follow the bot's channels and approvers, and the planning worker's expiry, windows and hosts`,
      details: beats.map(who),
      fix: ["give the bot and every worker the same inventory file, then restart them"],
    },
  ];
}
