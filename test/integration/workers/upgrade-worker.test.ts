import { readFile } from "node:fs/promises";
import path from "node:path";
import { expect, it } from "vitest";
import type { ChangedOutcome, JobOutcome } from "../../../src/chat/runbook-event.js";
import { makeRollbackPlan } from "../../../src/domain/upgrade-plan.js";
import { createLabHost, type LabHost } from "../../lab/lab.js";
import { describeLabWithRedis } from "../../support/describe-lab-with-redis.js";
import { harnessPerTest } from "../../support/harness-per-test.js";
import { UPGRADE_STEPS } from "../../support/worker-harness.js";

const logins = async (host: LabHost) =>
  (
    (await readFile(path.join(host.dir, "log", "sshd.log"), "utf8")).match(/Accepted publickey/g) ??
    []
  ).length;

describeLabWithRedis("upgrade jobs run by real worker processes on lab hosts", (redisUrl) => {
  const setUp = harnessPerTest(redisUrl);

  it("upgrades a standalone and a tomcat host to the plan and restarts their services", async () => {
    const [a, b] = await Promise.all([
      createLabHost({ name: "std", release: "2.23.1", publish: ["2.24.1"] }),
      createLabHost({ name: "tc", release: "2.23.1", publish: ["2.24.0"], layout: "tomcat" }),
    ]);
    const h = await setUp(a as LabHost, b as LabHost);
    const before = await Promise.all([a?.webStatus(), b?.webStatus()]);
    await h.enqueue("req-std", a as LabHost, await h.planFor(a as LabHost));
    await h.enqueue("req-tc", b as LabHost, await h.planFor(b as LabHost));
    await h.startWorker();
    const [jobA, jobB] = await Promise.all([h.finished("req-std"), h.finished("req-tc")]);
    expect(jobA.returnvalue).toMatchObject({ kind: "upgraded", transactionId: 2 });
    expect(jobB.returnvalue).toMatchObject({ kind: "upgraded", transactionId: 2 });
    expect((await a?.installed())?.get("kcm-guacd")).toBe("2.24.1-1.el8");
    expect((await b?.installed())?.get("kcm-guacamole-auth-ldap")).toBe("1:2.24.0-1.el8");
    const after = await Promise.all([a?.webStatus(), b?.webStatus()]);
    expect(after[0]).toMatchObject({ unit: "guacamole", version: "2.24.1-1.el8" });
    expect(after[1]).toMatchObject({ unit: "tomcat", version: "2.24.0-1.el8" });
    expect(after[0]?.pid).not.toBe(before[0]?.pid);
    expect(await b?.unitState("guacd")).toBe("active");

    const outcome = jobA.returnvalue as ChangedOutcome;
    expect(outcome.changes).toHaveLength(9);
    expect(outcome.services).toEqual([
      { unit: "guacamole", state: "active" },
      { unit: "guacd", state: "active" },
    ]);
    expect(outcome.downtimeMs).toBeGreaterThan(0);
    expect(outcome.downtimeMs).toBeLessThan(outcome.totalMs);
    // Every step journaled before and after it ran, in the runbook's order.
    const steps = (await h.journal("req-std"))
      .filter((e) => e.event === "started")
      .map((e) => e.step);
    expect(steps).toEqual(UPGRADE_STEPS);
    // And every state change is in the audit stream, with who, when, host, step and exit code.
    const audit = (await h.redis.xrange(h.keys.audit, "-", "+")).map(([, f]) =>
      Object.fromEntries(chunk(f)),
    );
    const finishedUpgrade = audit.find(
      (e) =>
        e["requestId"] === "req-std" && e["what"] === "step-finished" && e["step"] === "upgrade",
    );
    expect(finishedUpgrade).toMatchObject({
      host: "std",
      exitCode: "0",
      who: "worker (approved by bob)",
    });
    expect(finishedUpgrade?.["when"]).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(audit.some((e) => e["requestId"] === "req-std" && e["what"] === "job-upgraded")).toBe(
      true,
    );
  });

  it("rolls an upgrade back with yum history undo, around the same stop and start", async () => {
    const host = await createLabHost({ name: "undo", release: "2.23.1", publish: ["2.24.1"] });
    const h = await setUp(host);
    await h.enqueue("req-up", host, await h.planFor(host));
    const worker = await h.startWorker();
    expect((await h.finished("req-up")).returnvalue).toMatchObject({
      kind: "upgraded",
      transactionId: 2,
    });
    const last = JSON.parse((await h.redis.get(h.keys.lastTransaction("undo"))) ?? "null");
    expect(last).toMatchObject({ requestId: "req-up", transactionId: 2 });
    const plan = makeRollbackPlan("undo", last.changes);
    await h.enqueueRollback("req-undo", host, plan, last.transactionId);
    const job = await h.finished("req-undo");
    expect(job.returnvalue).toMatchObject({ kind: "rolled-back", transactionId: 3 });
    expect((await host.installed()).get("kcm-guacd")).toBe("2.23.1-1.el8");
    expect((await host.installed()).get("kcm-guacamole-auth-ldap")).toBe("1:2.23.1-1.el8");
    expect((await host.webStatus()).version).toBe("2.23.1-1.el8");
    expect(await h.redis.get(h.keys.lastTransaction("undo"))).toBeNull();
    const steps = (await h.journal("req-undo"))
      .filter((e) => e.event === "started")
      .map((e) => e.step);
    expect(steps).toEqual(["preflight", "layout", "stop", "undo", "start", "verify"]);
    expect(worker.lines.join("\n")).toContain("history-undo 2");
    // The same rollback again finds nothing to undo.
    await h.enqueueRollback("req-undo-again", host, plan, last.transactionId);
    expect((await h.finished("req-undo-again")).returnvalue).toMatchObject({ kind: "up-to-date" });
  });

  it("finishes 'already up to date' without stopping anything", async () => {
    const host = await createLabHost({ name: "current", release: "2.23.1", publish: ["2.24.0"] });
    const h = await setUp(host);
    const plan = await h.planFor(host);
    await host.asRoot("yum", ["upgrade", "-y", "kcm-*"]); // someone upgraded by hand meanwhile
    const pid = (await host.webStatus()).pid;
    await h.enqueue("req-current", host, plan);
    await h.startWorker();
    const job = await h.finished("req-current");
    expect(job.returnvalue).toMatchObject({ kind: "up-to-date" });
    expect((await host.webStatus()).pid).toBe(pid);
    expect((await h.journal("req-current")).some((e) => e.step === "stop")).toBe(false);
  });

  it("stops before any downtime when a newer release was published after approval", async () => {
    const host = await createLabHost({ name: "drift", release: "2.23.1", publish: ["2.24.0"] });
    const h = await setUp(host);
    const plan = await h.planFor(host);
    await host.publish("2.24.1");
    const pid = (await host.webStatus()).pid;
    await h.enqueue("req-drift", host, plan);
    await h.startWorker();
    const job = await h.finished("req-drift");
    expect(job.returnvalue).toMatchObject({ kind: "plan-drift" });
    expect(
      (job.returnvalue as Extract<JobOutcome, { kind: "plan-drift" }>).difference.changed,
    ).toContain("kcm-guacd.x86_64 2.24.0-1.el8 → 2.24.1-1.el8");
    expect((await host.webStatus()).pid).toBe(pid);
    expect((await host.installed()).get("kcm-guacd")).toBe("2.23.1-1.el8");
  });

  it("fails the job and names the unit when a start fails, with guacd running", async () => {
    const host = await createLabHost({ name: "nostart", release: "2.23.1", publish: ["2.24.1"] });
    const h = await setUp(host);
    await host.fault("start-fails", "guacamole");
    await h.enqueue("req-nostart", host, await h.planFor(host));
    await h.startWorker();
    const job = await h.finished("req-nostart");
    expect(await job.getState()).toBe("failed");
    expect(job.failedReason).toContain("guacamole is failed");
    expect(await host.unitState("guacd")).toBe("active");
    expect((await host.installed()).get("kcm-guacd")).toBe("2.24.1-1.el8");
  });

  it("starts the services again when the repository breaks after the stop", async () => {
    const host = await createLabHost({ name: "norepo", release: "2.23.1", publish: ["2.24.1"] });
    const h = await setUp(host);
    await host.fault("repo-breaks-on-stop");
    await h.enqueue("req-norepo", host, await h.planFor(host));
    const worker = await h.startWorker();
    const job = await h.finished("req-norepo");
    expect(await job.getState()).toBe("failed");
    expect(job.failedReason).toMatch(/^upgrade: yum cannot download the metadata/);
    expect(await host.unitState("guacamole")).toBe("active");
    expect(await host.unitState("guacd")).toBe("active");
    expect((await host.installed()).get("kcm-guacd")).toBe("2.23.1-1.el8");
    expect(worker.lines.join("\n")).toMatch(/Services now: guacamole active, guacd active\./);
  });

  it("does nothing on the host when the job wakes after its window", async () => {
    const host = await createLabHost({ name: "late", release: "2.23.1", publish: ["2.24.1"] });
    const h = await setUp(host);
    const plan = await h.planFor(host);
    const before = await logins(host);
    const hourAgo = Date.now() - 3_600_000;
    await h.enqueue("req-late", host, plan, {
      start: new Date(hourAgo - 3_600_000).toISOString(),
      end: new Date(hourAgo).toISOString(),
    });
    await h.startWorker();
    const job = await h.finished("req-late");
    expect(job.returnvalue).toMatchObject({ kind: "window-missed" });
    expect(await logins(host)).toBe(before);
  });
});

function chunk(flat: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2)
    pairs.push([flat[i] as string, flat[i + 1] as string]);
  return pairs;
}
