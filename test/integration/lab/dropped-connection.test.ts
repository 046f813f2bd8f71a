import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, expect, it } from "vitest";
import { createLabHost, type LabHost } from "../../lab/lab.js";
import { isAlive, listProcesses } from "../../lab/lab-processes.js";
import { describeLab } from "../../support/describe-lab.js";

/**
 * What real hosts do when the client of a running `yum upgrade` vanishes: the
 * runbook must not assume the upgrade stopped, nor trust yum's return code.
 */
describeLab("a yum upgrade whose SSH client vanishes mid-transaction", () => {
  let host: LabHost | undefined;
  afterEach(async () => {
    await host?.destroy();
  });

  for (const tty of [false, true]) {
    it(`${tty ? "with" : "without"} a pty: rpm finishes the transaction, yum history records a failure`, async () => {
      host = await createLabHost({ release: "2.23.1", publish: ["2.24.0"] });
      await host.fault("slow-upgrade", 3);
      const client = spawn("ssh", host.sshArgs(host.helperUpgrade("2.24.0"), { tty }), {
        stdio: ["ignore", "pipe", "pipe"],
      });
      client.stdout.resume();
      client.stderr.resume();
      // Wait until the transaction holds the rpmdb lock, then drop the client.
      const dnfPid = async () =>
        (await listProcesses()).find(
          (p) =>
            p.cmdline.includes(`--installroot=${host?.root}`) && p.cmdline.includes(" upgrade "),
        )?.pid;
      let pid: number | undefined;
      for (let i = 0; i < 200 && pid === undefined; i++) {
        pid = await dnfPid();
        if (pid === undefined) await sleep(25);
      }
      expect(pid).toBeDefined();
      await sleep(1000);
      client.kill("SIGKILL");
      await sleep(300);
      expect(isAlive(pid as number)).toBe(true);
      for (let i = 0; i < 400 && isAlive(pid as number); i++) await sleep(25);
      expect(isAlive(pid as number)).toBe(false);

      expect((await host.installed()).get("kcm-guacd")).toBe("2.24.0-1.el8");
      const history = await host.asRoot("yum", ["history", "info", "2"]);
      expect(history.stdout).toMatch(/Return-Code\s+:\s+Failure: 1/);
    });
  }
});
