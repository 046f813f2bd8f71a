import { Redis, type RedisOptions } from "ioredis";
import type { RedisTarget } from "../config/read-env.js";

/**
 * How a connection behaves while Redis is away:
 * - `queue`: commands wait for it to come back (BullMQ's workers need this);
 * - `fail-fast`: commands fail at once, and a command sent just before the
 *   link dropped is never sent again afterwards, so a write that was refused
 *   cannot happen behind the caller's back later (the runbook's journal,
 *   the bot's request path).
 */
export type RedisMode = "queue" | "fail-fast";

/** What {@link RedisWatch} says when the link changes, for the process's log. */
export interface RedisWatchLog {
  down(message: string, fields: { error: string }): void;
  up(message: string, fields: { downMs: number }): void;
}

/**
 * Watches one process's Redis connections and says, once, when Redis went
 * away and, once, when it is back and after how long, instead of one line
 * per reconnect attempt. Every connection made by {@link connectRedis} with
 * a watch has an `error` listener, so ioredis never prints "Unhandled error
 * event" either.
 */
export class RedisWatch {
  /** Connections that failed (an error, or closed) and are not ready again; a first connect is not a failure. */
  private readonly failing = new Set<Redis>();
  private downSince: number | undefined;
  private lastError = "";
  private stopped = false;

  constructor(
    private readonly log: RedisWatchLog,
    private readonly now: () => number = Date.now,
  ) {}

  /** False from a watched connection's failure until it is ready again. */
  get up(): boolean {
    return this.failing.size === 0;
  }

  /** When the link went down (ms since epoch), while it is. */
  get since(): number | undefined {
    return this.downSince;
  }

  watch(redis: Redis): Redis {
    redis.on("error", (error: Error) => {
      this.lastError = error.message;
      if (redis.status !== "ready") this.failing.add(redis);
      this.changed();
    });
    redis.on("close", () => {
      this.failing.add(redis);
      this.changed();
    });
    redis.on("ready", () => {
      this.failing.delete(redis);
      this.changed();
    });
    redis.on("end", () => {
      this.failing.delete(redis);
    });
    return redis;
  }

  /** The process is closing its connections: that is not Redis going away. */
  stop(): void {
    this.stopped = true;
  }

  private changed(): void {
    if (this.stopped) return;
    const up = this.up;
    if (!up && this.downSince === undefined) {
      this.downSince = this.now();
      this.log.down(
        `redis: lost the connection to Redis${this.lastError ? ` (${this.lastError})` : ""}; retrying`,
        { error: this.lastError },
      );
    } else if (up && this.downSince !== undefined) {
      const downMs = this.now() - this.downSince;
      this.downSince = undefined;
      this.log.up(`redis: connected again after ${(downMs / 1000).toFixed(1)} s`, { downMs });
    }
  }
}

/** ioredis's options for a target and a mode. */
export function redisOptions(
  target: RedisTarget,
  mode: RedisMode,
  tuning: { commandTimeoutMs?: number } = {},
): RedisOptions {
  const behaviour: RedisOptions =
    mode === "queue"
      ? // BullMQ needs maxRetriesPerRequest: null, or a Redis hiccup fails its jobs.
        { maxRetriesPerRequest: null }
      : {
          maxRetriesPerRequest: 0,
          enableOfflineQueue: false,
          autoResendUnfulfilledCommands: false,
          // A Redis that accepts the connection and never answers (frozen, partitioned).
          commandTimeout: tuning.commandTimeoutMs ?? 3000,
        };
  if (target.kind === "url") return behaviour;
  return {
    ...behaviour,
    sentinels: target.sentinels,
    name: target.name,
    ...(target.password === undefined ? {} : { password: target.password }),
    // After a failover, a connection to the old primary is told READONLY: reconnect to the new one.
    reconnectOnError: (error) => error.message.startsWith("READONLY"),
    failoverDetector: true,
  };
}

/**
 * A Redis connection for a long-running process (bot, worker, console),
 * watched by `watch` when given. See {@link RedisMode}.
 */
export function connectRedis(
  target: RedisTarget,
  mode: RedisMode,
  watch?: RedisWatch,
  tuning: {
    /** A fail-fast command's time limit. @defaultValue 3000 */
    commandTimeoutMs?: number;
  } = {},
): Redis {
  const options = redisOptions(target, mode, tuning);
  const redis = target.kind === "url" ? new Redis(target.url, options) : new Redis(options);
  if (watch) watch.watch(redis);
  // Without a watch, a listener all the same: errors are the commands' to report.
  else redis.on("error", () => {});
  return redis;
}

/**
 * Closes a connection within `timeoutMs`: QUIT when Redis answers, else
 * (Redis away, or QUIT unanswered) a plain disconnect, so a SIGTERM during
 * an outage never hangs the process.
 */
export async function closeRedis(redis: Redis, timeoutMs = 1000): Promise<void> {
  if (redis.status === "end") return;
  if (redis.status !== "ready") {
    redis.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    redis.quit().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  // QUIT may still be unanswered (the status changed meanwhile).
  if ((redis.status as string) !== "end") redis.disconnect();
}
