import { readFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createLabHost, type LabHost } from "../../lab/lab.js";
import { isAlive } from "../../lab/lab-processes.js";
import { describeLab } from "../../support/describe-lab.js";

// The faults as the bot meets them: its commands, over SSH, through the host helper.
describeLab("lab faults, switched on and off", () => {
  let host: LabHost;
  let LIST: string;
  let UPGRADE: string;

  beforeAll(async () => {
    host = await createLabHost({ release: "2.23.1", publish: ["2.24.0"] });
    LIST = host.helper("list-updates");
    UPGRADE = host.helperUpgrade("2.24.0");
  });
  afterAll(async () => {
    await host?.destroy();
  });

  it("yum-lock: dnf waits for the holder, or exits 200 with exit_on_lock", async () => {
    await host.fault("yum-lock");
    const quick = await host.ssh(LIST);
    expect(quick.code).toBe(200);
    expect(quick.stderr).toMatch(/already locked by \d+/);
    // Without exit_on_lock (which the helper always sets), dnf waits: as root on the host.
    const waiting = await host.asRoot("yum", ["list", "updates", "kcm-*"], { timeoutMs: 3000 });
    expect(waiting.signal).toBe("SIGKILL");
    expect(waiting.stdout + waiting.stderr).toMatch(/Waiting for process with pid \d+ to finish\./);
    await host.fault("yum-lock", false);
    expect((await host.ssh(LIST)).code).toBe(0);
  });

  it("repo-unreachable: Curl error and 'Cannot download repomd.xml', exit 1", async () => {
    await host.fault("repo-unreachable");
    const broken = await host.ssh(LIST);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain("Curl error (7)");
    expect(broken.stderr).toContain("Cannot download repomd.xml");
    await host.fault("repo-unreachable", false);
    const fixed = await host.ssh(LIST);
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toContain("Available Upgrades");
  });

  it("sudo-password: sudo -n says a password is required, and runs nothing", async () => {
    await host.fault("sudo-password");
    const refused = await host.ssh(host.helper("version"));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("sudo: a password is required");
    await host.fault("sudo-password", false);
    expect((await host.ssh(host.helper("version"))).code).toBe(0);
  });

  it("disk-full: rpm's transaction test fails for lack of space, nothing changes", async () => {
    await host.fault("disk-full");
    const full = await host.ssh(UPGRADE);
    expect(full.code).toBe(1);
    expect(full.stdout + full.stderr).toMatch(/needs \d+[KM]B more space on the \/usr filesystem/);
    expect((await host.installed()).get("kcm-guacd")).toBe("2.23.1-1.el8");
    await host.fault("disk-full", false);
    expect((await host.ssh(LIST)).code).toBe(0);
  });

  it("slow-upgrade: the rpm transaction runs for seconds, holding the rpmdb lock", async () => {
    await host.fault("slow-upgrade", 3);
    let finished = false;
    const upgrade = host.ssh(UPGRADE).finally(() => {
      finished = true;
    });
    // The transaction has begun once dnf's rpmdb lock names a live process.
    const lockFile = path.join(host.root, "var/lib/dnf/rpmdb_lock.pid");
    let holder = 0;
    for (let i = 0; i < 200 && holder === 0; i++) {
      const pid = Number(await readFile(lockFile, "utf8").catch(() => "0"));
      holder = pid > 0 && isAlive(pid) ? pid : 0;
      if (holder === 0) await sleep(25);
    }
    expect(holder).toBeGreaterThan(0);
    const second = await host.ssh(UPGRADE);
    expect(second.code).toBe(200);
    expect(second.stderr).toContain(`RPMDB already locked by ${holder}`);
    expect(finished).toBe(false);
    const first = await upgrade;
    expect(first.code).toBe(0);
    expect((await host.installed()).get("kcm-guacd")).toBe("2.24.0-1.el8");
    await host.fault("slow-upgrade", false);
  });
});
