import { parseArgs } from "node:util";
import type { Redis } from "ioredis";
import type { AppEnv } from "../config/read-env.js";
import { readAuditEntries } from "../store/read-audit-entries.js";
import { storeKeys } from "../store/store-keys.js";
import { verifyAuditChain } from "../store/verify-audit-chain.js";
import { describeRedisUrl, openRedis } from "./open-redis.js";
import type { CliOutput } from "./run-check.js";
import { UsageError } from "./usage-error.js";

export const AUDIT_USAGE = [
  "kcm-chatops audit export [--since ISO|--since-id ID] [--until ISO|--until-id ID]",
  "kcm-chatops audit verify",
].join("\n  ");

const STREAM_ID = /^\d{1,20}(-\d{1,20})?$/;

function time(text: string, option: string): string {
  const ms = /^\d{4}-\d\d-\d\d([T ][0-9:.]+(Z|[+-]\d\d:?\d\d)?)?$/.test(text)
    ? Date.parse(text)
    : Number.NaN;
  if (Number.isNaN(ms) || ms < 0) {
    throw new UsageError(
      `${option} takes an ISO time such as 2026-11-26 or 2026-11-26T19:30:00Z, not "${text}"`,
    );
  }
  return String(ms);
}

function streamId(text: string, option: string): string {
  if (!STREAM_ID.test(text)) {
    throw new UsageError(
      `${option} takes a stream id such as 1764185400000-0 (the "id" of an exported line), not "${text}"`,
    );
  }
  return text;
}

/**
 * The XRANGE bounds for export's options. Times select by the stream id,
 * which is Redis's clock at the append: `--since` and `--until` include
 * the instants they name; `--since-id` starts after that entry (to carry on
 * from the last line of an earlier export), `--until-id` ends with it.
 */
function exportRange(args: string[]): { start: string; end: string } {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      since: { type: "string" },
      "since-id": { type: "string" },
      until: { type: "string" },
      "until-id": { type: "string" },
    },
  });
  if (positionals.length > 0) throw new UsageError(`audit export takes no more arguments`);
  if (values.since !== undefined && values["since-id"] !== undefined) {
    throw new UsageError("give --since or --since-id, not both");
  }
  if (values.until !== undefined && values["until-id"] !== undefined) {
    throw new UsageError("give --until or --until-id, not both");
  }
  const start =
    values.since !== undefined
      ? time(values.since, "--since")
      : values["since-id"] !== undefined
        ? `(${streamId(values["since-id"], "--since-id")}`
        : "-";
  const end =
    values.until !== undefined
      ? time(values.until, "--until")
      : values["until-id"] !== undefined
        ? streamId(values["until-id"], "--until-id")
        : "+";
  return { start, end };
}

/** Prints the entries as JSON lines (id, every field in stream order, prev, hash), a page at a time. */
async function exportAudit(redis: Redis, key: string, args: string[], io: CliOutput) {
  const range = exportRange(args);
  let lines: string[] = [];
  for await (const entry of readAuditEntries(redis, key, { ...range, pageSize: 500 })) {
    lines.push(JSON.stringify(Object.fromEntries([["id", entry.id], ...entry.fields])));
    if (lines.length === 500) {
      io.out(lines.join("\n"));
      lines = [];
      await io.drain?.();
    }
  }
  if (lines.length > 0) io.out(lines.join("\n"));
  return 0;
}

async function verifyAudit(redis: Redis, key: string, args: string[], io: CliOutput) {
  if (args.length > 0) throw new UsageError("audit verify takes no arguments");
  const verdict = await verifyAuditChain(redis, key);
  if (!verdict.ok) {
    io.out(`FAILED: ${verdict.kind}: ${verdict.message}`);
    const intact =
      verdict.count === 1 ? "1 entry before it is" : `${verdict.count} entries before it are`;
    io.out(`first bad entry: ${verdict.id} (${intact} intact)`);
    return 1;
  }
  const entries = `${verdict.count} ${verdict.count === 1 ? "entry" : "entries"}`;
  const older =
    verdict.unchained > 0
      ? `; ${verdict.unchained} older entries from before the chain are not covered`
      : "";
  io.out(`OK: ${entries} in ${key}, the chain intact${older}`);
  if (verdict.head) io.out(`head: ${verdict.head.id} ${verdict.head.hash}`);
  return 0;
}

/**
 * `kcm-chatops audit export|verify`: reads the audit stream
 * (`<KCM_REDIS_PREFIX>:audit`) of the Redis in REDIS_URL. Resolves to the
 * exit code: 1 when verify finds a bad entry or Redis cannot be reached.
 */
export async function runAudit(args: string[], env: AppEnv, io: CliOutput): Promise<number> {
  const [action, ...rest] = args;
  if (action !== "export" && action !== "verify") {
    throw new UsageError(
      `audit takes export or verify${action === undefined ? "" : `, not "${action}"`}`,
    );
  }
  if (env.redisUrl === undefined) {
    throw new UsageError("REDIS_URL is not set: the audit stream is in the bot's Redis");
  }
  let redis: Redis;
  try {
    redis = await openRedis(env.redisUrl);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    io.err(`kcm-chatops audit: cannot reach Redis at ${describeRedisUrl(env.redisUrl)}: ${reason}`);
    return 1;
  }
  try {
    const key = storeKeys(env.redisPrefix).audit;
    return action === "export"
      ? await exportAudit(redis, key, rest, io)
      : await verifyAudit(redis, key, rest, io);
  } finally {
    redis.disconnect();
  }
}
