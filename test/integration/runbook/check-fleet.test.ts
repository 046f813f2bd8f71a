import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { checkFleet } from "../../../src/runbook/check-fleet.js";
import type { HostShell } from "../../../src/runbook/host-shell.js";
import { sshConnector } from "../../../src/ssh/ssh-connector.js";
import type { SshTarget } from "../../../src/ssh/ssh-session.js";
import { createLabHost, type LabHost } from "../../lab/lab.js";
import { listProcesses } from "../../lab/lab-processes.js";
import { describeLab } from "../../support/describe-lab.js";
import { checkTargetOf, sshTargetOf } from "../../support/ssh-target-of.js";

const WRONG_KEY = "SHA256:fbvWx7tccquu6uGYCHfGJ2+D72nEbtHlzoDn8lodc9k";

describeLab("check across a fleet of lab hosts", () => {
  const hosts: Record<string, LabHost> = {};
  let silent: Server;
  let targets: SshTarget[];

  beforeAll(async () => {
    const made = await Promise.all([
      createLabHost({ name: "pending", release: "2.23.1", publish: ["2.24.1"] }),
      createLabHost({ name: "current", release: "2.24.1", layout: "tomcat" }),
      createLabHost({ name: "locked", release: "2.23.1", publish: ["2.24.0"] }),
      createLabHost({ name: "norepo", release: "2.23.1", publish: ["2.24.0"] }),
      createLabHost({ name: "nosudo", release: "2.23.1" }),
      createLabHost({ name: "rekeyed", release: "2.23.1" }),
      createLabHost({ name: "down", release: "2.23.1" }),
    ]);
    for (const h of made) hosts[h.name] = h;
    await Promise.all([
      hosts["locked"]?.fault("yum-lock"),
      hosts["norepo"]?.fault("repo-unreachable"),
      hosts["nosudo"]?.fault("sudo-password"),
      hosts["down"]?.killSshd(),
    ]);
    // A host that accepts TCP and never says a word.
    silent = createServer(() => {}).listen(0, "127.0.0.1");
    await new Promise((r) => silent.once("listening", r));
    targets = [
      ...made.map((h) => sshTargetOf(h, h.name === "rekeyed" ? { hostKey: WRONG_KEY } : {})),
      {
        ...sshTargetOf(made[0] as LabHost),
        name: "silent",
        address: "127.0.0.1",
        port: (silent.address() as { port: number }).port,
      },
    ];
  });
  afterAll(async () => {
    silent?.close();
    await Promise.all(Object.values(hosts).map((h) => h.destroy()));
  });

  it("reports every host: versions, layout, pending from → to, or a classified problem", async () => {
    const accepted = async (h: LabHost) =>
      (
        (await readFile(path.join(h.dir, "log", "sshd.log"), "utf8")).match(
          /Accepted publickey/g,
        ) ?? []
      ).length;
    const rekeyed = hosts["rekeyed"] as LabHost;
    const loginsBefore = await accepted(rekeyed);
    const started = performance.now();
    const checks = await checkFleet(
      // "silent" is no lab host: any helper path does, it never gets that far.
      targets.map((t) => ({
        ...checkTargetOf(hosts[t.name] ?? (hosts["pending"] as LabHost)),
        name: t.name,
      })),
      {
        connect: sshConnector(targets, { connectTimeoutMs: 1500 }),
        commandTimeoutMs: 20_000,
        concurrency: 8,
        // "locked" holds yum's lock for good: waited out 2 s here (30 s by default).
        lockWaitMs: 2000,
      },
    );
    const elapsed = performance.now() - started;
    const byName = Object.fromEntries(checks.map((c) => [c.host, c]));
    expect(checks.map((c) => c.host)).toEqual(targets.map((t) => t.name));

    expect(byName["pending"]).toMatchObject({
      layout: "standalone",
      kcmVersion: "2.23.1-1.el8",
      problems: [],
    });
    expect(byName["pending"]?.pending).toHaveLength(9);
    expect(byName["pending"]?.pending).toContainEqual({
      name: "kcm-guacamole-auth-ldap",
      arch: "noarch",
      from: { epoch: 1, version: "2.23.1", release: "1.el8" },
      to: { epoch: 1, version: "2.24.1", release: "1.el8" },
      repo: "kcm-2.24.1",
    });
    expect(byName["pending"]?.services?.map((s) => [s.unit, s.activeState])).toEqual(
      expect.arrayContaining([
        ["guacamole", "active"],
        ["guacd", "active"],
      ]),
    );

    expect(byName["current"]).toMatchObject({
      layout: "tomcat",
      kcmVersion: "2.24.1-1.el8",
      pending: [],
      problems: [],
    });

    expect(byName["locked"]?.problems).toEqual([
      expect.objectContaining({ source: "yum", code: "yum-lock" }),
    ]);
    expect(byName["locked"]?.kcmVersion).toBe("2.23.1-1.el8");
    const leftover = (await listProcesses()).filter((p) =>
      p.cmdline.includes(`--installroot=${hosts["locked"]?.root}`),
    );
    expect(leftover).toEqual([]);

    expect(byName["norepo"]?.problems).toEqual([
      expect.objectContaining({ code: "repo-unreachable" }),
    ]);
    expect(byName["norepo"]?.problems[0]?.evidence.join("\n")).toContain(
      "Cannot download repomd.xml",
    );
    expect(byName["nosudo"]?.problems).toEqual([
      expect.objectContaining({ code: "sudo-password" }),
    ]);

    expect(byName["rekeyed"]?.problems).toEqual([
      expect.objectContaining({ source: "connection", code: "host-key-mismatch" }),
    ]);
    expect(byName["rekeyed"]?.problems[0]?.summary).toContain(rekeyed.record.hostKeyFingerprint);
    expect(byName["rekeyed"]?.installed).toBeUndefined();
    expect(await accepted(rekeyed)).toBe(loginsBefore);

    expect(byName["down"]?.problems).toEqual([expect.objectContaining({ code: "refused" })]);
    expect(byName["silent"]?.problems).toEqual([expect.objectContaining({ code: "timeout" })]);
    // The silent host costs its own connect timeout, not the others' time on top.
    expect(elapsed).toBeLessThan(15_000);
  });

  it("runs at most `concurrency` hosts at once", async () => {
    const real = sshConnector(targets.slice(0, 2));
    let open = 0;
    let most = 0;
    const connect = async (name: string): Promise<HostShell> => {
      open++;
      most = Math.max(most, open);
      const shell = await real(name);
      return {
        exec: (command, options) => shell.exec(command, options),
        close: () => {
          open--;
          shell.close();
        },
      };
    };
    const names = ["pending", "current", "pending", "current", "pending"];
    const checks = await checkFleet(
      names.map((name) => checkTargetOf(hosts[name] as LabHost)),
      { connect, commandTimeoutMs: 20_000, concurrency: 2 },
    );
    expect(checks.every((c) => c.problems.length === 0)).toBe(true);
    expect(most).toBe(2);
  });

  it("says so when the inventory pins a layout the host does not have", async () => {
    const [check] = await checkFleet([checkTargetOf(hosts["current"] as LabHost, "standalone")], {
      connect: sshConnector(targets),
      commandTimeoutMs: 20_000,
    });
    expect(check?.layout).toBe("standalone");
    expect(check?.problems).toEqual([
      expect.objectContaining({
        code: "layout-mismatch",
        // The words doctor and the runbook's layout step use (kcm/detect-layout resolveLayout).
        summary:
          "the inventory pins the standalone layout (guacamole and guacd), but the host has the units of the tomcat layout (tomcat and guacd)",
      }),
    ]);
  });
});
