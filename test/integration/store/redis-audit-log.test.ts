import { expect, it } from "vitest";
import { RedisAuditLog } from "../../../src/store/redis-audit-log.js";
import { describeWithRedis } from "../../support/describe-with-redis.js";
import { testStoreKeys, useTestRedis } from "../../support/test-store-keys.js";

describeWithRedis("the audit stream", (redisUrl) => {
  const db = useTestRedis(redisUrl);
  const { keys } = db;

  it("records when, who, what, host, step and exit code (null too), oldest first", async () => {
    let clock = Date.parse("2026-11-26T19:30:00.000Z");
    const audit = new RedisAuditLog(db.redis, keys, () => clock);
    const who = "worker (approved by U0APPROVER)";
    await audit.append({ requestId: "req-1", host: "kcm-1", who, what: "job-started" });
    clock += 1500;
    await audit.append({
      requestId: "req-1",
      host: "kcm-1",
      who,
      what: "step-finished",
      step: "upgrade",
      exitCode: 0,
      detail: "9 packages",
    });
    clock += 1500;
    await audit.append({
      requestId: "req-1",
      host: "kcm-1",
      who,
      what: "step-failed",
      step: "upgrade",
      exitCode: null,
      detail: "yum vanished without an exit code; rpm will tell",
    });

    const records = await audit.read();
    expect(records.map(({ id, ...fields }) => fields)).toEqual([
      {
        when: "2026-11-26T19:30:00.000Z",
        requestId: "req-1",
        host: "kcm-1",
        who,
        what: "job-started",
      },
      {
        when: "2026-11-26T19:30:01.500Z",
        requestId: "req-1",
        host: "kcm-1",
        who,
        what: "step-finished",
        step: "upgrade",
        exitCode: "0",
        detail: "9 packages",
      },
      {
        when: "2026-11-26T19:30:03.000Z",
        requestId: "req-1",
        host: "kcm-1",
        who,
        what: "step-failed",
        step: "upgrade",
        exitCode: "null",
        detail: "yum vanished without an exit code; rpm will tell",
      },
    ]);
    // Stream ids: Redis's own, increasing.
    const ids = records.map((r) => r["id"] ?? "");
    expect(ids.every((id) => /^\d+-\d+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(3);
    expect(await db.redis.xlen(keys.audit)).toBe(3);
  });

  it("leaves out fields an event does not have (no 'undefined' strings)", async () => {
    const { keys: own, deleteAll: deleteOwn } = testStoreKeys();
    try {
      const audit = new RedisAuditLog(db.redis, own);
      await audit.append({
        requestId: "req-2",
        host: "kcm-2",
        who: "U0STAFF",
        what: "waiting-for-host",
        detail: "job req-1 holds kcm-2",
      });
      const [record] = await audit.read();
      expect(Object.keys(record ?? {}).sort()).toEqual(
        ["detail", "host", "id", "requestId", "what", "when", "who"].sort(),
      );
      expect(Number.isNaN(Date.parse(record?.["when"] ?? ""))).toBe(false);
    } finally {
      await deleteOwn(db.redis);
    }
  });
});

describeWithRedis("the audit stream's idempotency keys", (redisUrl) => {
  const db = useTestRedis(redisUrl);
  const { keys } = db;

  it("appends an entry with a key once, however many writers repeat it at once", async () => {
    const event = {
      requestId: "req-once",
      host: "kcm-1",
      who: "worker",
      what: "job-upgraded",
      once: "req-once:outcome",
    };
    // Two redeliveries, in two processes, each with its own view of the chain's head.
    const writers = [new RedisAuditLog(db.redis, keys), new RedisAuditLog(db.redis, keys)];
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (writers[i % 2] as RedisAuditLog).appendEntry(event)),
    );
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    const records = await (writers[0] as RedisAuditLog).read();
    expect(records.filter((r) => r["what"] === "job-upgraded")).toHaveLength(1);
    // The key is the store's, not the entry's: it is not hashed into the chain.
    expect(records[0]).not.toHaveProperty("once");
    // Another key, or none, appends as usual.
    await (writers[1] as RedisAuditLog).append({ ...event, once: "req-once:other" });
    const { once: _, ...plain } = event;
    await (writers[1] as RedisAuditLog).append(plain);
    expect(await (writers[0] as RedisAuditLog).read()).toHaveLength(3);
  });
});
