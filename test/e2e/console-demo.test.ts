import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createLabHost, type LabHost } from "../lab/lab.js";
import { ALWAYS_OPEN_WINDOW, labInventoryYaml } from "../lab/lab-inventory.js";
import { describeLabWithRedis } from "../support/describe-lab-with-redis.js";
import { spawnTsx, type TsxProcess } from "../support/spawn-tsx.js";
import { UPGRADE_STEPS } from "../support/worker-harness.js";

/** The console as a person uses it: its own process, typed into line by line. */
class ConsoleSession {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<number | string>;

  constructor({ child, lines, exited }: TsxProcess) {
    this.child = child;
    this.lines = lines;
    this.exited = exited;
  }

  type(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }

  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const line of this.lines) {
        const match = pattern.exec(line);
        if (match) return match;
      }
      if (Date.now() > deadline)
        throw new Error(`no line matched ${pattern}:\n${this.lines.join("\n")}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describeLabWithRedis("the console demo: the bot without Slack, from a terminal", (redisUrl) => {
  let host: LabHost;
  let dir: string;
  let session: ConsoleSession;

  beforeAll(async () => {
    host = await createLabHost({ name: "demo-1", release: "2.23.1", publish: ["2.24.1"] });
    dir = await mkdtemp(path.join(tmpdir(), "kcm-console-"));
    await writeFile(
      path.join(dir, "inventory.yml"),
      labInventoryYaml([host], {
        windows: {
          anytime: ALWAYS_OPEN_WINDOW,
        },
        defaultWindow: "anytime",
        slack: { channels: ["C0CONSOLE1"], approvers: ["U0BOB"], requestExpiryMinutes: 60 },
      }),
    );
    const started = spawnTsx(
      "src/console/main.ts",
      {
        ...process.env,
        REDIS_URL: redisUrl,
        KCM_INVENTORY: path.join(dir, "inventory.yml"),
        KCM_REDIS_PREFIX: `c${randomBytes(4).toString("hex")}`,
      },
      { stdin: "pipe" },
    );
    session = new ConsoleSession(started);
    await session.waitFor(/^kcm-chatops console: 1 hosts; you are alice/);
  });
  afterAll(async () => {
    if (session?.child.exitCode === null) session.child.kill("SIGTERM");
    await host?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it("checks, asks, refuses a non-approver, upgrades on bob's approval, and prints the thread as it goes", async () => {
    session.type("/kcm check all");
    await session.waitFor(
      /^Check of all for @alice: 1 host, 1 with updates pending, 0 with problems$/,
    );
    await session.waitFor(
      /demo-1 \(standalone\) KCM 2\.23\.1-1\.el8, no active sessions: 9 pending → 2\.24\.1-1\.el8$/,
    );

    session.type("/kcm upgrade demo-1");
    const [, id] = await session.waitFor(/\(to decide: "as bob: approve (r-[a-z0-9]+)"/);
    session.type(`as carol: approve ${id}`);
    await session.waitFor(/\(only carol\) only approvers can approve this upgrade/);
    session.type("approve");
    await session.waitFor(/\(only alice\) .*nobody approves their own request/);
    session.type(`as bob: approve ${id}`);
    await session.waitFor(new RegExp(`↳ \\[${id}\\] Approved by @bob`));
    await session.waitFor(new RegExp(`↳ \\[${id}\\] Upgraded 9 packages; downtime`), 60_000);
    const thread = session.lines
      .filter((l) => l.includes(`↳ [${id}] `))
      .map((l) => /\] (✓|✗) (\w+)/.exec(l)?.[2]);
    expect(thread.filter(Boolean)).toEqual(UPGRADE_STEPS);
    expect((await host.installed()).get("kcm-guacd")).toBe("2.24.1-1.el8");

    session.child.stdin?.end();
    expect(await session.exited).toBe(0);
  });
});
