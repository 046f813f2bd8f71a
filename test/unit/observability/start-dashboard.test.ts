import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import {
  DashboardConfigError,
  startDashboard,
} from "../../../src/observability/start-dashboard.js";

// The page and its assets come from bull-board itself: no Redis is needed to
// serve them, so the queue's connection points nowhere and never connects.
const redis = new Redis({ port: 1, lazyConnect: true, maxRetriesPerRequest: null });
redis.on("error", () => {});
const queue = new Queue("kcm-upgrades", { connection: redis, prefix: "dashboard-test" });
queue.on("error", () => {});
afterAll(async () => {
  await queue.close();
  redis.disconnect();
});

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

/** The dashboard's login in these tests. */
const LOGIN = { user: "ops", password: "correct horse battery" };

describe("startDashboard", () => {
  it("answers 401 without credentials or with wrong ones, and the board with the right ones", async () => {
    const dashboard = await startDashboard({ queues: [queue], port: 0, ...LOGIN });
    try {
      const get = (authorization?: string) =>
        fetch(`${dashboard.url}/`, authorization ? { headers: { authorization } } : {});
      const none = await get();
      expect(none.status).toBe(401);
      expect(none.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
      expect(await none.text()).not.toContain("<html");
      for (const wrong of [
        basic("ops", "correct horse"),
        basic("ops", "correct horse battery!"),
        basic("root", "correct horse battery"),
        basic("", ""),
        "Basic not-base64!",
        "Bearer correct horse battery",
      ]) {
        expect((await get(wrong)).status, wrong).toBe(401);
      }
      const right = await get(basic("ops", "correct horse battery"));
      expect(right.status).toBe(200);
      const page = await right.text();
      expect(page).toContain("<title>kcm-chatops</title>");
      // Its assets sit behind the same login.
      const asset = page.match(/src="(static\/[^"]+\.js)"/)?.[1];
      expect(asset).toBeDefined();
      expect((await fetch(`${dashboard.url}/${asset}`)).status).toBe(401);
      const script = await fetch(`${dashboard.url}/${asset}`, {
        headers: { authorization: basic("ops", "correct horse battery") },
      });
      expect(script.status).toBe(200);
    } finally {
      await dashboard.close();
    }
  });

  it("listens on 127.0.0.1 unless told otherwise", async () => {
    const dashboard = await startDashboard({ queues: [queue], port: 0, ...LOGIN });
    await dashboard.close();
    expect(dashboard.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it.each([
    [undefined, undefined, "KCM_DASHBOARD_USER and KCM_DASHBOARD_PASSWORD are not"],
    ["ops", undefined, "KCM_DASHBOARD_PASSWORD is not"],
    [undefined, "correct horse battery", "KCM_DASHBOARD_USER is not"],
    ["ops", "", "KCM_DASHBOARD_PASSWORD is not"],
  ])("refuses to start without a login (user %j, password %j)", async (user, password, says) => {
    const started = startDashboard({ queues: [queue], port: 0, user, password });
    await expect(started).rejects.toBeInstanceOf(DashboardConfigError);
    await expect(started).rejects.toThrow(says);
    await expect(started).rejects.toThrow(/served only behind a login/);
  });
});
