import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAudit } from "../../../src/cli/run-audit.js";
import { readEnv } from "../../../src/config/read-env.js";
import { RedisAuditLog } from "../../../src/store/redis-audit-log.js";
import { captureCliOutput } from "../../support/capture-cli-output.js";
import { describeWithRedis } from "../../support/describe-with-redis.js";
import { testStoreKeys } from "../../support/test-store-keys.js";

describeWithRedis("kcm-chatops audit export and verify", (redisUrl) => {
  const { prefix, keys, deleteAll } = testStoreKeys();
  const env = readEnv({ REDIS_URL: redisUrl, KCM_REDIS_PREFIX: prefix });
  let redis: Redis;
  let ids: string[];

  async function audit(...args: string[]) {
    const io = captureCliOutput();
    const code = await runAudit(args, env, io);
    const lines = io.stdout().split("\n").filter(Boolean);
    return { code, io, lines };
  }

  beforeAll(async () => {
    redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    const log = new RedisAuditLog(redis, keys);
    ids = [];
    for (let i = 0; i < 1200; i++) {
      // A gap before the last 200, so that a time falls between them and the rest.
      if (i === 1000) await sleep(5);
      const entry = await log.appendEntry({
        requestId: `r-${String(i).padStart(8, "0")}`,
        host: "kcm-1",
        who: "U0STAFF",
        what: i % 2 === 0 ? "requested" : "approved",
        ...(i === 7 ? { exitCode: null } : {}),
      });
      if (!entry) throw new Error("no idempotency key was given, yet nothing was appended");
      ids.push(entry.id);
    }
  });
  afterAll(async () => {
    await deleteAll(redis);
    await redis.quit();
  });

  it("exports every entry as a JSON line (id, fields, prev, hash), a page at a time", async () => {
    const { code, io, lines } = await audit("export");
    expect(code).toBe(0);
    expect(lines).toHaveLength(1200);
    // 500 lines per write, never the whole stream at once.
    expect(io.outCalls.map((c) => c.split("\n").length)).toEqual([500, 500, 200]);
    const eighth = JSON.parse(lines[7] ?? "");
    expect(Object.keys(eighth)).toEqual([
      "id",
      "when",
      "requestId",
      "host",
      "who",
      "what",
      "exitCode",
      "prev",
      "hash",
    ]);
    expect(eighth).toMatchObject({ id: ids[7], requestId: "r-00000007", exitCode: "null" });
    expect(eighth.prev).toBe(JSON.parse(lines[6] ?? "").hash);
    expect(eighth.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("filters with --since and --until (times) and --since-id and --until-id (ids)", async () => {
    const cut = Number(ids[1000]?.split("-")[0]);
    const since = await audit("export", "--since", new Date(cut).toISOString());
    expect(since.lines.map((l) => JSON.parse(l).id)).toEqual(ids.slice(1000));

    const until = await audit("export", "--until", new Date(cut - 1).toISOString());
    expect(until.lines).toHaveLength(1000);

    // --since-id carries on after the last line of an earlier export.
    const after = await audit("export", "--since-id", ids[1196] ?? "");
    expect(after.lines.map((l) => JSON.parse(l).id)).toEqual(ids.slice(1197));

    const window = await audit("export", "--since-id", ids[9] ?? "", "--until-id", ids[12] ?? "");
    expect(window.lines.map((l) => JSON.parse(l).id)).toEqual(ids.slice(10, 13));
  });

  it("refuses bad bounds as usage errors", async () => {
    await expect(audit("export", "--since", "yesterday")).rejects.toThrow(
      /--since takes an ISO time/,
    );
    await expect(audit("export", "--since-id", "1-0; FLUSHALL")).rejects.toThrow(
      /--since-id takes a stream id/,
    );
    await expect(audit("export", "--since", "2026-01-01", "--since-id", "1-0")).rejects.toThrow(
      /not both/,
    );
    await expect(audit("purge")).rejects.toThrow(/audit takes export or verify, not "purge"/);
  });

  it("verifies: OK with the count and the head; a broken chain names the first bad entry, exit 1", async () => {
    const ok = await audit("verify");
    expect(ok.code).toBe(0);
    expect(ok.lines[0]).toBe(`OK: 1200 entries in ${keys.audit}, the chain intact`);
    expect(ok.lines[1]).toMatch(new RegExp(`^head: ${ids[1199]} [0-9a-f]{64}$`));

    await redis.xdel(keys.audit, ids[600] ?? "");
    const broken = await audit("verify");
    expect(broken.code).toBe(1);
    expect(broken.lines).toEqual([
      `FAILED: deleted: the chain breaks between ${ids[599]} and ${ids[601]}: an entry between them was deleted (or ${ids[599]} was rewritten)`,
      `first bad entry: ${ids[601]} (600 entries before it are intact)`,
    ]);
  });

  describe("without a Redis", () => {
    it("says REDIS_URL is missing, or that Redis cannot be reached (password hidden)", async () => {
      const io = captureCliOutput();
      await expect(runAudit(["verify"], readEnv({}), io)).rejects.toThrow(/REDIS_URL is not set/);
      const down = readEnv({ REDIS_URL: "redis://:s3cret@127.0.0.1:1/0" });
      expect(await runAudit(["verify"], down, io)).toBe(1);
      expect(io.stderr()).toContain("cannot reach Redis at redis://:***@127.0.0.1:1/0: ");
      expect(io.stderr()).not.toContain("s3cret");
    });
  });
});
