import { expect, it } from "vitest";
import { LockLostError } from "../../../src/runbook/runbook-failure.js";
import type { JournalEntry } from "../../../src/runbook/runbook-ports.js";
import { acquireHostLock, type Fence } from "../../../src/store/host-lock.js";
import { RedisJournal } from "../../../src/store/redis-journal.js";
import { describeWithRedis } from "../../support/describe-with-redis.js";
import { useTestRedis } from "../../support/test-store-keys.js";

/** A reader's journal: it never appends. */
const NO_FENCE: Fence = { token: 0, nonce: "" };

const ENTRIES: JournalEntry[] = [
  { at: "2026-11-26T19:30:00.000Z", step: "preflight", event: "started" },
  {
    at: "2026-11-26T19:30:02.000Z",
    step: "preflight",
    event: "finished",
    exitCode: 0,
    durationMs: 2000,
  },
  {
    at: "2026-11-26T19:30:03.000Z",
    step: "stop",
    event: "started",
    data: { layout: "standalone", baselineTransaction: 6 },
  },
  { at: "2026-11-26T19:30:04.000Z", step: "upgrade", event: "failed", exitCode: null },
];

describeWithRedis("the step journal, fenced by the host lock", (redisUrl) => {
  const db = useTestRedis(redisUrl);
  const { keys } = db;

  async function lockToken(host: string, jobId: string, workerId: string): Promise<Fence> {
    const result = await acquireHostLock(db.redis, keys, host, { jobId, workerId }, 10_000);
    if (result.kind !== "acquired") throw new Error(`expected to acquire ${host}`);
    return result.lock.fence;
  }

  it("gives back what was appended, in order, and keeps it for 90 days", async () => {
    const token = await lockToken("h-1", "req-round-trip", "worker-a");
    const journal = new RedisJournal(db.redis, keys, "req-round-trip", "h-1", token);
    expect(await journal.load()).toEqual([]);
    for (const entry of ENTRIES) await journal.append(entry);
    expect(await journal.load()).toEqual(ENTRIES);
    // Another reader (a redelivered job's worker) sees the same.
    expect(
      await new RedisJournal(db.redis, keys, "req-round-trip", "h-1", NO_FENCE).load(),
    ).toEqual(ENTRIES);
    const ttl = await db.redis.pttl(keys.journal("req-round-trip"));
    expect(ttl).toBeGreaterThan(89 * 24 * 3600 * 1000);
  });

  it("refuses a stale worker's append (LockLostError) and takes the current holder's", async () => {
    const stale = await lockToken("h-2", "req-fenced", "worker-a");
    const staleJournal = new RedisJournal(db.redis, keys, "req-fenced", "h-2", stale);
    await staleJournal.append(ENTRIES[0] as JournalEntry);

    const current = await lockToken("h-2", "req-fenced", "worker-b");
    const currentJournal = new RedisJournal(db.redis, keys, "req-fenced", "h-2", current);

    const refused = staleJournal.append(ENTRIES[1] as JournalEntry);
    await expect(refused).rejects.toBeInstanceOf(LockLostError);
    await expect(refused).rejects.toMatchObject({ code: "lock-lost" });
    expect(await currentJournal.load()).toEqual([ENTRIES[0]]);

    await currentJournal.append(ENTRIES[2] as JournalEntry);
    expect(await currentJournal.load()).toEqual([ENTRIES[0], ENTRIES[2]]);
  });

  it("refuses every append once nobody holds the host", async () => {
    const result = await acquireHostLock(
      db.redis,
      keys,
      "h-3",
      { jobId: "req-released", workerId: "worker-a" },
      10_000,
    );
    if (result.kind !== "acquired") throw new Error("expected to acquire h-3");
    const journal = new RedisJournal(db.redis, keys, "req-released", "h-3", result.lock.fence);
    await journal.append(ENTRIES[0] as JournalEntry);
    await result.lock.release();
    await expect(journal.append(ENTRIES[1] as JournalEntry)).rejects.toBeInstanceOf(LockLostError);
    expect(await journal.load()).toEqual([ENTRIES[0]]);
  });

  it("is fenced by its own host's lock, not another host's", async () => {
    const onOne = await lockToken("h-4", "req-one", "worker-a");
    const onOther = await lockToken("h-5", "req-other", "worker-a");
    // The token of h-5's lock does not open h-4's journal.
    const wrong = new RedisJournal(db.redis, keys, "req-one", "h-4", onOther);
    await expect(wrong.append(ENTRIES[0] as JournalEntry)).rejects.toBeInstanceOf(LockLostError);
    await new RedisJournal(db.redis, keys, "req-one", "h-4", onOne).append(
      ENTRIES[0] as JournalEntry,
    );
    expect(await wrong.load()).toEqual([ENTRIES[0]]);
  });

  it("appends an entry sent twice under one id once (its first answer lost with the connection)", async () => {
    const fence = await lockToken("h-6", "req-twice", "worker-a");
    const journal = new RedisJournal(db.redis, keys, "req-twice", "h-6", fence);
    await journal.append(ENTRIES[0] as JournalEntry, "e-1");
    await journal.append(ENTRIES[0] as JournalEntry, "e-1");
    await journal.append(ENTRIES[1] as JournalEntry, "e-2");
    expect(await journal.load()).toEqual([ENTRIES[0], ENTRIES[1]]);
  });

  it("refuses a taking whose token matches but whose nonce does not (a token repeated after a failover)", async () => {
    const fence = await lockToken("h-7", "req-nonce", "worker-a");
    const impostor = new RedisJournal(db.redis, keys, "req-nonce", "h-7", { ...fence, nonce: "0" });
    await expect(impostor.append(ENTRIES[0] as JournalEntry)).rejects.toBeInstanceOf(LockLostError);
    expect(await impostor.load()).toEqual([]);
  });

  it("is an error naming its key when kcm-chatops did not write it, never a guess", async () => {
    const key = keys.journal("req-foreign");
    await db.redis.rpush(key, JSON.stringify(ENTRIES[0]), JSON.stringify({ step: "reboot" }));
    const journal = new RedisJournal(db.redis, keys, "req-foreign", "h-foreign", NO_FENCE);
    await expect(journal.load()).rejects.toThrow(
      new RegExp(`the Redis record ${key} is not one kcm-chatops can read`),
    );
  });
});
