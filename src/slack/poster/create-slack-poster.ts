import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import type { Redis } from "ioredis";
import { DeliveryLease } from "./delivery-lease.js";
import { drainChannel } from "./drain-channel.js";
import { Pacer } from "./pacer.js";
import type { PosterClient } from "./poster-client.js";
import type { PosterContext } from "./poster-context.js";
import { PosterError } from "./poster-error.js";
import { posterKeys } from "./poster-keys.js";
import { DEFAULT_POSTER_SETTINGS, type PosterSettings } from "./poster-settings.js";
import { PosterStore } from "./poster-store.js";
import type { PosterClock, PosterLogEntry, SlackPoster, ThreadRef } from "./slack-poster.js";
import { Waker } from "./waker.js";

/** What a poster needs. */
export interface SlackPosterOptions {
  redis: Redis;
  /** Prefix of every key (e.g. `kcm:slack`); tests use a random one. */
  prefix: string;
  /** A client from `createPosterClient`, or any object with the same methods. */
  client: PosterClient;
  /** @defaultValue the system clock and timers */
  clock?: PosterClock;
  /** @defaultValue one line per entry on stderr */
  log?: (entry: PosterLogEntry) => void;
  /** @defaultValue {@link DEFAULT_POSTER_SETTINGS} */
  settings?: Partial<PosterSettings>;
}

const systemClock: PosterClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }).catch(() => undefined),
};

function logToStderr(entry: PosterLogEntry): void {
  const where = [entry.channel, entry.key, entry.intent].filter(Boolean).join(" ");
  process.stderr.write(`slack-poster ${entry.level} ${entry.event} ${where}: ${entry.reason}\n`);
}

/**
 * Makes the poster: every message the bot says goes through it. `post`,
 * `update` and `upload` store intents in Redis and return; `start()`
 * delivers them (in this process, while it holds the prefix's lease).
 * Processes that only produce messages (workers) never call `start()`.
 */
export function createSlackPoster(options: SlackPosterOptions): SlackPoster {
  const settings: PosterSettings = { ...DEFAULT_POSTER_SETTINGS, ...options.settings };
  const clock = options.clock ?? systemClock;
  const log = options.log ?? logToStderr;
  const keys = posterKeys(options.prefix);
  const store = new PosterStore(options.redis, keys, settings.keyTtlSeconds);
  const waker = new Waker(clock);
  const owner = `${hostname()}:${process.pid}:${randomUUID()}`;
  const lease = new DeliveryLease(options.redis, keys.lease, owner, settings.leaseMs);
  const postPacers = new Map<string, Pacer>();
  const updatePacer = new Pacer(settings.updateIntervalMs);
  let run: { stop: () => Promise<void> } | undefined;

  function startRun(): { stop: () => Promise<void> } {
    const state = { stopping: false, halted: false, holding: false };
    const drains = new Map<string, Promise<void>>();
    const ctx: PosterContext = {
      store,
      client: options.client,
      clock,
      settings,
      log,
      waker,
      updatePacer,
      editedAt: new Map(),
      postPacer(channel) {
        let pacer = postPacers.get(channel);
        if (pacer === undefined) {
          pacer = new Pacer(settings.postIntervalMs);
          postPacers.set(channel, pacer);
        }
        return pacer;
      },
      active: () => !state.stopping && state.holding,
      halted: () => state.halted,
    };

    async function supervise(): Promise<void> {
      let renewedAt = 0;
      const renewEvery = Math.max(50, Math.floor(settings.leaseMs / 3));
      while (!state.stopping) {
        try {
          const now = clock.now();
          if (!state.holding || now - renewedAt >= renewEvery) {
            const held = state.holding ? await lease.renew() : await lease.acquire();
            if (held !== state.holding) {
              log({
                level: held ? "info" : "error",
                event: "lease",
                reason: held ? `delivering as ${owner}` : "lease lost: another process delivers",
              });
            }
            state.holding = held;
            renewedAt = now;
          }
          if (state.holding) {
            for (const channel of await store.channelsWithWork()) {
              if (drains.has(channel)) continue;
              drains.set(
                channel,
                drainChannel(ctx, channel).finally(() => drains.delete(channel)),
              );
            }
          }
        } catch (error) {
          log({
            level: "error",
            event: "redis-error",
            reason: error instanceof Error ? error.message : String(error),
          });
        }
        await waker.wait("*", state.holding ? settings.pollMs : renewEvery);
      }
    }

    const supervisor = supervise();
    return {
      async stop() {
        state.stopping = true;
        waker.wakeAll();
        const finished = Promise.all([supervisor, ...drains.values()]);
        const grace = new AbortController();
        await Promise.race([finished, clock.sleep(settings.stopGraceMs, grace.signal)]);
        grace.abort();
        state.halted = true;
        await lease
          .release()
          .catch((error: unknown) =>
            log({ level: "warn", event: "lease", reason: `release failed: ${String(error)}` }),
          );
      },
    };
  }

  function threadFields(thread: ThreadRef | undefined) {
    if (thread === undefined) return {};
    return { thread: "ts" in thread ? { threadTs: thread.ts } : { threadKey: thread.key } };
  }

  function refuseEmpty(channel: string, what: string, empty: boolean): void {
    if (channel.trim() === "" || empty) {
      throw new PosterError("invalid-request", `refused ${what} for channel "${channel}"`);
    }
  }

  return {
    async post(request) {
      const { text, blocks = [] } = request.content;
      refuseEmpty(request.channel, "a message", text.trim() === "" && blocks.length === 0);
      const queued = await store.enqueue(randomUUID(), clock.now(), {
        kind: "post",
        channel: request.channel,
        content: request.content,
        ...(request.key !== undefined ? { key: request.key } : {}),
        ...threadFields(request.thread),
      });
      waker.wake(request.channel);
      return queued;
    },
    async update(key, content) {
      const channel = await store.setEdit(key, content, clock.now());
      if (channel === undefined) {
        log({ level: "warn", event: "dropped", key, reason: "update of a dropped message" });
        return;
      }
      waker.wake(channel);
    },
    async upload(request) {
      refuseEmpty(request.channel, "an upload", request.filename.trim() === "");
      const queued = await store.enqueue(randomUUID(), clock.now(), {
        kind: "upload",
        channel: request.channel,
        filename: request.filename,
        title: request.title ?? request.filename,
        content: request.content,
        ...(request.comment !== undefined ? { comment: request.comment } : {}),
        ...threadFields(request.thread),
      });
      waker.wake(request.channel);
      return queued;
    },
    async tsOf(key) {
      return (await store.message(key))?.ts;
    },
    start() {
      run ??= startRun();
    },
    async stop() {
      const current = run;
      run = undefined;
      await current?.stop();
    },
    async idle() {
      const never = new AbortController().signal;
      while (!(await store.isIdle())) await clock.sleep(50, never);
    },
  };
}
