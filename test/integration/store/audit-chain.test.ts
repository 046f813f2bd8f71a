import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import type { AuditEvent } from "../../../src/domain/audit-event.js";
import {
  AUDIT_GENESIS,
  type AuditEntry,
  auditHash,
  fieldOf,
} from "../../../src/store/audit-chain.js";
import { readAuditEntries } from "../../../src/store/read-audit-entries.js";
import { RedisAuditLog } from "../../../src/store/redis-audit-log.js";
import type { StoreKeys } from "../../../src/store/store-keys.js";
import { verifyAuditChain } from "../../../src/store/verify-audit-chain.js";
import { describeWithRedis } from "../../support/describe-with-redis.js";
import { testStoreKeys } from "../../support/test-store-keys.js";

const event = (n: number, who = "worker"): AuditEvent => ({
  requestId: `r-${String(n).padStart(8, "0")}`,
  host: `kcm-${n % 3}`,
  who,
  what: "step-finished",
  step: "upgrade",
  exitCode: n % 2,
  detail: `entry ${n}`,
});

async function entriesOf(redis: Redis, keys: StoreKeys): Promise<AuditEntry[]> {
  const all: AuditEntry[] = [];
  for await (const entry of readAuditEntries(redis, keys.audit)) all.push(entry);
  return all;
}

/** Writes the stream anew (DEL, then XADD at explicit ids), as someone covering their tracks would. */
async function rewrite(redis: Redis, keys: StoreKeys, entries: AuditEntry[]): Promise<void> {
  await redis.del(keys.audit);
  for (const entry of entries) await redis.xadd(keys.audit, entry.id, ...entry.fields.flat());
}

const withField = (entry: AuditEntry, name: string, value: string): AuditEntry => ({
  ...entry,
  fields: entry.fields.map(([k, v]) => [k, k === name ? value : v]),
});

describeWithRedis("the hash-chained audit stream", (redisUrl) => {
  let redis: Redis;
  let own: ReturnType<typeof testStoreKeys>;
  let keys: StoreKeys;

  beforeAll(() => {
    redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  });
  afterEach(async () => {
    await own.deleteAll(redis);
  });
  afterAll(async () => {
    await redis.quit();
  });

  /** A fresh stream with `n` entries appended one after another. */
  async function stream(n: number): Promise<AuditEntry[]> {
    own = testStoreKeys();
    keys = own.keys;
    const audit = new RedisAuditLog(redis, keys);
    for (let i = 1; i <= n; i++) await audit.append(event(i));
    return entriesOf(redis, keys);
  }

  it("chains every entry to the one before it: prev, and hash over prev, when and every field", async () => {
    const entries = await stream(3);
    let prev = AUDIT_GENESIS;
    for (const entry of entries) {
      expect(fieldOf(entry, "prev")).toBe(prev);
      expect(fieldOf(entry, "hash")).toBe(auditHash(prev, entry.fields));
      expect(entry.fields.map(([k]) => k)).toEqual([
        "when",
        "requestId",
        "host",
        "who",
        "what",
        "step",
        "exitCode",
        "detail",
        "prev",
        "hash",
      ]);
      prev = fieldOf(entry, "hash") ?? "";
    }
    expect(await verifyAuditChain(redis, keys.audit)).toEqual({
      ok: true,
      count: 3,
      unchained: 0,
      head: { id: entries[2]?.id, hash: prev },
    });
  });

  it("stays one line when two processes append at once", async () => {
    await stream(0);
    // Two connections, as two worker processes have; each its own RedisAuditLog.
    const [a, b] = [new Redis(redisUrl), new Redis(redisUrl)];
    try {
      const logs = [new RedisAuditLog(a, keys), new RedisAuditLog(b, keys)];
      await Promise.all(
        Array.from({ length: 200 }, (_, i) => logs[i % 2]?.append(event(i, `worker-${i % 2}`))),
      );
    } finally {
      a.disconnect();
      b.disconnect();
    }
    const entries = await entriesOf(redis, keys);
    expect(entries).toHaveLength(200);
    const prevs = entries.map((e) => fieldOf(e, "prev"));
    expect(new Set(prevs).size).toBe(200);
    entries.forEach((entry, i) => {
      expect(fieldOf(entry, "prev")).toBe(
        i === 0 ? AUDIT_GENESIS : fieldOf(entries[i - 1] as AuditEntry, "hash"),
      );
    });
    expect(new Set(entries.map((e) => fieldOf(e, "who")))).toEqual(
      new Set(["worker-0", "worker-1"]),
    );
    expect(await verifyAuditChain(redis, keys.audit, { pageSize: 7 })).toMatchObject({
      ok: true,
      count: 200,
    });
  });

  it("names an entry whose field was changed by rewriting the stream", async () => {
    const entries = await stream(5);
    const third = entries[2] as AuditEntry;
    await rewrite(
      redis,
      keys,
      entries.map((e) => (e === third ? withField(e, "exitCode", "0") : e)),
    );
    // Unchanged, a rewritten stream still verifies: ids are Redis's, the chain covers content and order.
    expect(fieldOf(third, "exitCode")).toBe("1");
    expect(await verifyAuditChain(redis, keys.audit)).toMatchObject({
      ok: false,
      kind: "edited",
      id: third.id,
      count: 2,
      message: `entry ${third.id} does not match its hash: a field was changed after it was written`,
    });
  });

  it("names the last entry changed with XDEL, XSETID and XADD at its own id", async () => {
    const entries = await stream(3);
    const last = entries[2] as AuditEntry;
    await redis.xdel(keys.audit, last.id);
    // XADD only takes ids above the stream's last id; XSETID lowers it to the entry before.
    await redis.call("XSETID", keys.audit, entries[1]?.id ?? "");
    await redis.xadd(keys.audit, last.id, ...withField(last, "who", "somebody else").fields.flat());
    expect(await verifyAuditChain(redis, keys.audit)).toMatchObject({
      ok: false,
      kind: "edited",
      id: last.id,
    });
  });

  it("names the gap an entry deleted from the middle leaves, and an edit that was re-hashed", async () => {
    const entries = await stream(5);
    const [, second, third, fourth] = entries as [AuditEntry, AuditEntry, AuditEntry, AuditEntry];
    await redis.xdel(keys.audit, third.id);
    expect(await verifyAuditChain(redis, keys.audit)).toMatchObject({
      ok: false,
      kind: "deleted",
      id: fourth.id,
      message: `the chain breaks between ${second.id} and ${fourth.id}: an entry between them was deleted (or ${second.id} was rewritten)`,
    });

    const again = await stream(5);
    const target = again[1] as AuditEntry;
    const edited = withField(target, "detail", "nothing happened");
    const rehashed = withField(
      edited,
      "hash",
      auditHash(fieldOf(edited, "prev") ?? "", edited.fields),
    );
    await rewrite(
      redis,
      keys,
      again.map((e) => (e === target ? rehashed : e)),
    );
    expect(await verifyAuditChain(redis, keys.audit)).toMatchObject({
      ok: false,
      kind: "deleted",
      id: again[2]?.id,
    });
  });

  it("finds an entry deleted from the end, which no later prev can miss (Redis 7 counts additions)", async () => {
    const entries = await stream(4);
    const last = entries[3] as AuditEntry;
    await redis.xdel(keys.audit, last.id);
    const verdict = await verifyAuditChain(redis, keys.audit);
    expect(verdict).toMatchObject({ ok: false, kind: "deleted", id: last.id, count: 3 });
    expect(verdict.ok || verdict.message).toBe(
      `Redis counted 4 entries added and 3 remain: 1 was deleted, the last of them ${last.id}`,
    );
  });

  it("names inserted entries: one chained into the middle, one without a hash", async () => {
    const entries = await stream(4);
    const [first, second, third, fourth] = entries as [
      AuditEntry,
      AuditEntry,
      AuditEntry,
      AuditEntry,
    ];
    const fields: [string, string][] = [
      ["when", "2026-11-26T19:30:00.000Z"],
      ["requestId", "r-forged00"],
      ["host", "kcm-1"],
      ["who", "U0APPROVER"],
      ["what", "approved"],
    ];
    const prev = fieldOf(second, "hash") ?? "";
    const forged: AuditEntry = {
      id: "3-0",
      fields: [...fields, ["prev", prev], ["hash", auditHash(prev, fields)]],
    };
    const renumber = (list: AuditEntry[]) => list.map((e, i) => ({ ...e, id: `${i + 1}-0` }));
    await rewrite(redis, keys, renumber([first, second, forged, third, fourth]));
    expect(await verifyAuditChain(redis, keys.audit)).toMatchObject({
      ok: false,
      kind: "inserted",
      id: "3-0",
      message: "entry 3-0 is not in the chain: 4-0 follows 2-0 directly",
      count: 2,
    });

    // Chained onto nothing at all: named too, not taken for a deletion.
    const loose: AuditEntry = {
      id: "3-0",
      fields: [...fields, ["prev", "f".repeat(64)], ["hash", auditHash("f".repeat(64), fields)]],
    };
    await rewrite(redis, keys, renumber([first, second, loose, third, fourth]));
    expect(await verifyAuditChain(redis, keys.audit)).toMatchObject({
      ok: false,
      kind: "inserted",
      id: "3-0",
    });

    await rewrite(redis, keys, entries);
    await redis.xadd(keys.audit, "*", ...fields.flat());
    const [tail] = await redis.xrevrange(keys.audit, "+", "-", "COUNT", 1);
    expect(await verifyAuditChain(redis, keys.audit)).toMatchObject({
      ok: false,
      kind: "inserted",
      id: tail?.[0],
    });
  });

  it("names a deleted first entry", async () => {
    const entries = await stream(3);
    await redis.xdel(keys.audit, entries[0]?.id ?? "");
    expect(await verifyAuditChain(redis, keys.audit)).toMatchObject({
      ok: false,
      kind: "deleted",
      id: entries[1]?.id,
      message: `entry ${entries[1]?.id} is not the start of the chain: the entries before it were deleted`,
    });
  });

  it("starts the chain after entries written before it, counting them as not covered", async () => {
    own = testStoreKeys();
    keys = own.keys;
    await redis.xadd(keys.audit, "*", "when", "2026-01-01T00:00:00.000Z", "what", "job-started");
    await redis.xadd(keys.audit, "*", "when", "2026-01-01T00:00:01.000Z", "what", "job-upgraded");
    const audit = new RedisAuditLog(redis, keys);
    for (let i = 0; i < 3; i++) await audit.append(event(i));
    expect(await verifyAuditChain(redis, keys.audit)).toMatchObject({
      ok: true,
      count: 3,
      unchained: 2,
    });
    // read() still gives the events' fields only.
    const records = await audit.read();
    expect(Object.keys(records.at(-1) ?? {})).not.toContain("hash");
  });

  it("verifies an empty or absent stream as OK with no entries", async () => {
    await stream(0);
    expect(await verifyAuditChain(redis, keys.audit)).toEqual({ ok: true, count: 0, unchained: 0 });
  });
});
