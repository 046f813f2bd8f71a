import type { Redis } from "ioredis";
import { beforeAll, describe, expect, it } from "vitest";
import { makeUpgradePlan } from "../../../src/domain/upgrade-plan.js";
import {
  type ApprovalPolicy,
  newRequest,
  type UpgradeRequest,
} from "../../../src/domain/upgrade-request.js";
import { hostLockHolder } from "../../../src/store/host-lock.js";
import { RequestStore } from "../../../src/store/request-store.js";
import { StoreRecordError } from "../../../src/store/store-record-error.js";
import { RedisUpgradeRecords } from "../../../src/store/upgrade-records.js";
import { describeWithRedis } from "../../support/describe-with-redis.js";
import { useTestRedis } from "../../support/test-store-keys.js";

const policy: ApprovalPolicy = { approvers: new Set(["U0BOB", "U0DAVE"]), expiryMinutes: 60 };
const T0 = new Date("2026-11-30T12:00:00Z");

function request(id: string, host = "web1", createdAt = T0): UpgradeRequest {
  const plan = makeUpgradePlan(host, [
    {
      name: "kcm-guacd",
      arch: "x86_64",
      from: { epoch: 0, version: "2.23.1", release: "1.el8" },
      to: { epoch: 0, version: "2.24.1", release: "1.el8" },
    },
  ]);
  return newRequest(
    {
      id,
      kind: "upgrade",
      host,
      plan,
      requestedBy: "U0ALICE",
      channel: "C0KCMOPS01",
      when: { kind: "next-window" },
      runWindow: { start: createdAt, end: new Date(createdAt.getTime() + 3 * 3600_000) },
      emergency: false,
    },
    policy,
    createdAt,
  );
}

describeWithRedis(
  "the records in Redis: written by kcm-chatops, checked as they are read",
  (url) => {
    const db = useTestRedis(url);
    const { keys } = db;
    let redis: Redis;
    let store: RequestStore;
    const warnings: string[] = [];

    beforeAll(() => {
      redis = db.redis;
      store = new RequestStore(redis, keys, (line) => warnings.push(line));
    });

    describe("requests", () => {
      it("round-trip unchanged, and a trigger id makes one request however often it is sent", async () => {
        const first = request("r-rt000001");
        expect(await store.create(first, "trigger:abc")).toEqual({ created: true, id: first.id });
        expect(await store.create(request("r-rt000002"), "trigger:abc")).toEqual({
          created: false,
          id: first.id,
        });
        expect(await store.get(first.id)).toEqual(first);
        expect(await store.get("r-rt000002")).toBeUndefined();
      });

      it("two approvers clicking at once make one decision; the other is told why", async () => {
        const pending = request("r-race0001");
        await store.create(pending);
        const clicks = await Promise.all(
          ["U0BOB", "U0DAVE"].map((by) =>
            store.apply(pending.id, { kind: "approve", by, at: T0 }, policy),
          ),
        );
        expect(clicks.filter((c) => c.ok && c.enqueue)).toHaveLength(1);
        const refused = clicks.find((c) => !c.ok);
        expect(refused).toMatchObject({ ok: false, reason: expect.stringMatching(/approved/) });
        const stored = await store.get(pending.id);
        expect(stored?.state).toBe("approved");
        expect(stored?.history.filter((h) => h.action === "approved")).toHaveLength(1);
      });

      it("a corrupt or foreign record is an error naming its key, and is never changed", async () => {
        const key = `${keys.requestPrefix}r-bad00001`;
        await redis.set(key, "{not json");
        await expect(store.get("r-bad00001")).rejects.toThrow(StoreRecordError);
        await expect(store.get("r-bad00001")).rejects.toThrow(`the Redis record ${key}`);

        const foreign = JSON.stringify({ ...request("r-bad00002"), state: "done", version: 1 });
        await redis.set(`${keys.requestPrefix}r-bad00002`, foreign);
        const applied = store.apply("r-bad00002", { kind: "approve", by: "U0BOB", at: T0 }, policy);
        await expect(applied).rejects.toThrow(
          /r-bad00002 is not one kcm-chatops can read: .*state/s,
        );
        expect(await redis.get(`${keys.requestPrefix}r-bad00002`)).toBe(foreign);
      });

      it("`recent` leaves an unreadable record out, says which, and lists the others", async () => {
        const good = request("r-list0001", "web7", new Date(T0.getTime() + 1000));
        await store.create(good);
        await redis.set(`${keys.requestPrefix}r-list0002`, JSON.stringify({ id: "r-list0002" }));
        await redis.zadd(keys.hostRequests("web7"), T0.getTime() + 2000, "r-list0002");

        expect((await store.recent({ host: "web7" })).map((r) => r.id)).toEqual([good.id]);
        expect(warnings).toContainEqual(expect.stringContaining(`${keys.requestPrefix}r-list0002`));
      });
    });

    describe("the last upgrade and the host lock", () => {
      it("read back what was written, and name the key of a record they cannot read", async () => {
        const records = new RedisUpgradeRecords(redis, keys);
        const last = {
          requestId: "r-last0001",
          transactionId: 12,
          changes: request("r-last0001").plan.packages,
        };
        await records.record("web1", last);
        expect(await records.last("web1")).toEqual(last);
        await records.forget("web1");
        expect(await records.last("web1")).toBeUndefined();

        await redis.set(keys.lastTransaction("web2"), JSON.stringify({ transactionId: "12" }));
        await expect(records.last("web2")).rejects.toThrow(
          `the Redis record ${keys.lastTransaction("web2")}`,
        );
        await redis.set(keys.hostLock("web3"), "locked by someone else");
        await expect(hostLockHolder(redis, keys, "web3")).rejects.toThrow(StoreRecordError);
      });
    });
  },
);
