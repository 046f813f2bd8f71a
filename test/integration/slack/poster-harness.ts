import { randomBytes } from "node:crypto";
import { webApi } from "@slack/bolt";
import { Redis } from "ioredis";
import { createPosterClient } from "../../../src/slack/poster/create-poster-client.js";
import { createSlackPoster } from "../../../src/slack/poster/create-slack-poster.js";
import type { PosterClient } from "../../../src/slack/poster/poster-client.js";
import type { PosterSettings } from "../../../src/slack/poster/poster-settings.js";
import type { PosterLogEntry, SlackPoster } from "../../../src/slack/poster/slack-poster.js";
import { describeWithRedis } from "../../support/describe-with-redis.js";
import { type FakeSlack, startFakeSlack } from "../../support/fake-slack/start-fake-slack.js";

/** The channels of the poster tests' fake workspace. */
export const OPS = "C0KCMOPS01";
export const OPS2 = "C0KCMOPS02";

export { describeWithRedis };

/** One test's world: a fake Slack, a Redis prefix of its own, posters to make. */
export interface PosterHarness {
  fake: FakeSlack;
  redis: Redis;
  prefix: string;
  /** The real WebClient, as the poster should have it, pointed at the fake. */
  client: webApi.WebClient;
  /** Everything the posters logged. */
  logs: PosterLogEntry[];
  /** A poster on this prefix (stopped by `close`); fast retries unless told otherwise. */
  poster(settings?: Partial<PosterSettings>, client?: PosterClient): SlackPoster;
  /** Stops the posters and the fake, deletes the prefix's keys, closes Redis. */
  close(): Promise<void>;
}

export async function startPosterHarness(redisUrl: string): Promise<PosterHarness> {
  const fake = await startFakeSlack({
    channels: [
      { id: OPS, name: "kcm-ops" },
      { id: OPS2, name: "kcm-ops-2" },
    ],
  });
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const prefix = `t${randomBytes(4).toString("hex")}:slack`;
  const client = createPosterClient(fake.token, {
    slackApiUrl: fake.apiUrl,
    timeoutMs: 5000,
    // The poster logs every failure itself; the client's own warnings are noise here.
    logLevel: webApi.LogLevel.ERROR,
  });
  const logs: PosterLogEntry[] = [];
  const posters: SlackPoster[] = [];
  return {
    fake,
    redis,
    prefix,
    client,
    logs,
    poster(settings = {}, override = client) {
      const poster = createSlackPoster({
        redis,
        prefix,
        client: override,
        log: (entry) => logs.push(entry),
        settings: {
          pollMs: 50,
          leaseMs: 3000,
          backoff: { initialMs: 200, maxMs: 1000 },
          ...settings,
        },
      });
      posters.push(poster);
      return poster;
    },
    async close() {
      await Promise.all(posters.map((p) => p.stop()));
      await fake.stop();
      const found = await scanAll(redis, `${prefix}:*`);
      if (found.length > 0) await redis.del(...found);
      await redis.quit();
    },
  };
}

/** Polls `check` until it holds (or throws after `timeoutMs`). */
export async function waitUntil(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Gaps between consecutive call times, in ms. */
export function gaps(times: number[]): number[] {
  return times.slice(1).map((t, i) => t - (times[i] ?? t));
}

async function scanAll(redis: Redis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    found.push(...batch);
    cursor = next;
  } while (cursor !== "0");
  return found;
}
