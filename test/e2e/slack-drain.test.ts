import { expect, it } from "vitest";
import { REQUEST_ACTIONS } from "../../src/slack/blocks/request-blocks.js";
import type { LabHost } from "../lab/lab.js";
import {
  ALICE,
  BOB,
  type BotHarness,
  botOverLabHosts,
  requestIdOf,
} from "../support/bot-harness.js";
import { describeLabWithRedis } from "../support/describe-lab-with-redis.js";
import type { FakeMessage } from "../support/fake-slack/fake-slack-types.js";

/**
 * The drain, from Slack, on lab hosts: before the stop the worker waits for
 * the host's remote sessions to end, as the inventory's drain says (set here
 * on a group per host: a short poll, minutes as fractions), never longer
 * than the policy, and a cancel meanwhile stops nothing.
 */
const RELEASE = { release: "2.23.1" as const, publish: ["2.24.1" as const] };
const DRAINS = {
  "drain-ok": { waitMinutes: 5, pollSeconds: 1 },
  "drain-go": { waitMinutes: 0.1, pollSeconds: 1, onTimeout: "proceed" },
  "drain-no": { waitMinutes: 0.1, pollSeconds: 1, onTimeout: "abort" },
  "drain-cancel": { waitMinutes: 5, pollSeconds: 1 },
  "drain-kill": { waitMinutes: 5, pollSeconds: 1 },
  "drain-blind": { waitMinutes: 1, pollSeconds: 1 },
} as const;
type DrainHost = keyof typeof DRAINS;

describeLabWithRedis("the drain before the stop, from Slack", (redisUrl) => {
  let h: BotHarness;
  const hosts = new Map<string, LabHost>();
  botOverLabHosts(
    redisUrl,
    Object.keys(DRAINS).map((name) => ({ name, ...RELEASE })),
    (made) => {
      h = made.h;
      for (const host of made.hosts) hosts.set(host.name, host);
    },
    {
      groups: Object.fromEntries(
        Object.entries(DRAINS).map(([name, drain]) => [`g-${name}`, { hosts: [name], drain }]),
      ),
    },
  );

  const hostOf = (name: DrainHost) => hosts.get(name) as LabHost;
  const replies = (root: FakeMessage) => h.thread(root).map((m) => m.text);
  const until = (root: FakeMessage, pattern: RegExp, what: string, ms = 60_000) =>
    h.workers.until(() => replies(root).some((t) => pattern.test(t)), ms, what);

  /** Asks for and approves an upgrade of `name`; resolves with its root message. */
  async function approvedUpgrade(name: DrainHost): Promise<FakeMessage> {
    await h.command(ALICE, `upgrade ${name}`);
    const root = await h.requestRoot(name);
    await h.click(BOB, REQUEST_ACTIONS.approve, root, `approve-${name}`);
    return root;
  }

  /** The journal's steps of the request, in order, as `step:event`. */
  const steps = async (root: FakeMessage) =>
    (await h.workers.journal(requestIdOf(root))).map((e) => `${e.step}:${e.event}`);

  it("waits while 2 sessions are open, stops nothing meanwhile, and goes on once they close", async () => {
    const host = hostOf("drain-ok");
    const sessions = await host.openSessions(2);
    try {
      const web = await host.webStatus();
      const root = await approvedUpgrade("drain-ok");
      await until(
        root,
        /^:hourglass_flowing_sand: Waiting for 2 active sessions to end/,
        "the wait",
      );
      await h.workers.until(
        () => JSON.stringify(h.current(root).blocks).includes("drain … (2 active sessions)"),
        10_000,
        "the count on the root's progress line",
      );
      // Some polls later: still waiting, the services untouched.
      await new Promise((r) => setTimeout(r, 3000));
      expect(await steps(root)).not.toContain("stop:started");
      expect((await host.webStatus()).pid).toBe(web.pid);
      expect(sessions.open()).toBe(2);

      const closed = Date.now();
      await sessions.close();
      await until(root, /^Upgraded/, "the summary");
      // Within a poll (1 s) and a count of the close, not at the drain's 5 minutes (loose: a busy machine).
      const journal = await h.workers.journal(requestIdOf(root));
      const drained = journal.find((e) => e.step === "drain" && e.event === "finished");
      expect(Date.parse(drained?.at ?? "") - closed).toBeLessThan(15_000);
      const texts = replies(root);
      expect(texts.filter((t) => t.includes("Waiting for"))).toHaveLength(1);
      expect(
        texts.some((t) =>
          /^:white_check_mark: \*drain\* \([\d.]+ s\): no active sessions after \d+ s$/.test(t),
        ),
      ).toBe(true);
      expect(texts).toContain("Stopping with no active sessions.");
      expect(await host.lastTransaction()).toBe(2);
    } finally {
      await sessions.close();
    }
  });

  it("timeout with proceed: the stop goes ahead, and the thread says what it cuts", async () => {
    const host = hostOf("drain-go");
    const sessions = await host.openSessions(1);
    try {
      const root = await approvedUpgrade("drain-go");
      await until(root, /^Upgraded/, "the summary");
      const texts = replies(root);
      expect(
        texts.some((t) =>
          /1 active session still open after \d+ s, the drain's 0\.1 min: stopping anyway/.test(t),
        ),
      ).toBe(true);
      expect(texts).toContain(":warning: Stopping with 1 active session: the stop cuts it off.");
      expect(sessions.open()).toBe(0);
    } finally {
      await sessions.close();
    }
  });

  it("timeout with abort: nothing stopped, the request failed, and the thread says why", async () => {
    const host = hostOf("drain-no");
    const sessions = await host.openSessions(1);
    try {
      const web = await host.webStatus();
      const root = await approvedUpgrade("drain-no");
      await until(root, /^Failed at drain/, "the failure");
      const summary = replies(root).find((t) => t.startsWith("Failed at drain")) ?? "";
      expect(summary).toMatch(
        /1 active session still open after \d+ s, the drain's 0\.1 min: nothing was stopped \(drain onTimeout: abort\)/,
      );
      expect(summary).toContain("Nothing was stopped.");
      expect(await steps(root)).not.toContain("stop:started");
      expect((await host.webStatus()).pid).toBe(web.pid);
      expect(sessions.open()).toBe(1);
      expect(await host.lastTransaction()).toBe(1);
      await h.workers.until(() => /Failed/.test(h.current(root).text), 10_000, "the root's state");
    } finally {
      await sessions.close();
    }
  });

  it("/kcm cancel during the wait ends the request with nothing stopped", async () => {
    const host = hostOf("drain-cancel");
    const sessions = await host.openSessions(2);
    try {
      const web = await host.webStatus();
      const root = await approvedUpgrade("drain-cancel");
      await until(root, /^:hourglass_flowing_sand: Waiting/, "the wait");
      await h.workers.until(
        () => JSON.stringify(h.current(root).blocks).includes("Cancel (nothing stopped yet)"),
        10_000,
        "a Cancel button on the root while it waits",
      );
      const id = requestIdOf(root);
      const answer = JSON.parse((await h.command(ALICE, `cancel ${id}`)).body).text;
      expect(answer).toBe(`Cancelled \`${id}\`.`);
      await until(
        root,
        /^Cancelled while waiting for sessions to end: nothing was stopped\.$/,
        "the ending",
      );
      expect(await steps(root)).not.toContain("stop:started");
      expect((await host.webStatus()).pid).toBe(web.pid);
      expect(await host.lastTransaction()).toBe(1);
      expect(sessions.open()).toBe(2);
      await h.workers.until(
        () => /Cancelled/.test(h.current(root).text),
        10_000,
        "the root's state",
      );
    } finally {
      await sessions.close();
    }
  });

  it("a kill -9 of the worker during the wait: the next worker waits on, and stops only once the sessions end", async () => {
    const host = hostOf("drain-kill");
    const sessions = await host.openSessions(1);
    try {
      const root = await approvedUpgrade("drain-kill");
      await until(root, /^:hourglass_flowing_sand: Waiting/, "the wait");
      const first = h.worker;
      first?.child.kill("SIGKILL");
      await first?.exited;
      h.worker = await h.startWorker();
      await until(
        root,
        /^:hourglass_flowing_sand: Still waiting \(picked up after a lost worker\)/,
        "the resumed wait",
      );
      expect(await steps(root)).not.toContain("stop:started");
      await sessions.close();
      await until(root, /^Upgraded/, "the summary");
      const journal = await steps(root);
      // The first worker's wait, then the second's (same deadline), then one stop.
      expect(journal.filter((s) => s === "drain:started")).toHaveLength(2);
      expect(journal.filter((s) => s === "stop:started")).toHaveLength(1);
      expect(journal.indexOf("drain:finished")).toBeLessThan(journal.indexOf("stop:started"));
      expect(await host.lastTransaction()).toBe(2);
    } finally {
      await sessions.close();
    }
  });

  it("neither ss nor /proc: the count is unknown, and the upgrade goes on (onTimeout: proceed)", async () => {
    const host = hostOf("drain-blind");
    await host.fault("no-ss");
    await host.fault("no-proc-net");
    const root = await approvedUpgrade("drain-blind");
    await until(root, /^Upgraded/, "the summary");
    const texts = replies(root);
    expect(
      texts.some((t) =>
        /\*drain\*.*the active sessions cannot be counted .*stopping anyway/.test(t),
      ),
    ).toBe(true);
    expect(texts.some((t) => t.startsWith("Stopping; active sessions unknown"))).toBe(true);
  });
});
