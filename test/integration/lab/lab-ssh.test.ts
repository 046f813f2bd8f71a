import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createLabHost, type LabHost } from "../../lab/lab.js";
import { runCommand } from "../../lab/run-command.js";
import { describeLab } from "../../support/describe-lab.js";

describeLab("lab hosts' sshd, accounts and sudo rights", () => {
  let host: LabHost;

  beforeAll(async () => {
    host = await createLabHost({ release: "2.23.1", publish: ["2.24.1"] });
  });
  afterAll(async () => {
    await host?.destroy();
  });

  it("listens on the host's own loopback address with the recorded ed25519 key", async () => {
    expect(host.address).toMatch(/^127\.0\.1\.\d+$/);
    const scan = await runCommand("ssh-keyscan", [
      "-t",
      "ed25519",
      "-p",
      String(host.port),
      host.address,
    ]);
    const key = scan.stdout.trim().split(" ").slice(1).join(" ");
    expect(key).toBe(host.record.hostPublicKey);
    expect(host.record.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it("accepts the lab's key and nothing else", async () => {
    const ok = await host.ssh("id -un");
    expect(ok.stdout.trim()).toBe(host.user);
    const noKey = await runCommand("ssh", [
      ...host.sshArgs("id").filter((a, i, all) => a !== "-i" && all[i - 1] !== "-i"),
      "-o",
      "PreferredAuthentications=password",
    ]);
    expect(noKey.code).toBe(255);
    expect(noKey.stderr).toContain("Permission denied");
  });

  it("grants sudo for the host helper and nothing else", async () => {
    const version = await host.ssh(host.helper("version"));
    expect(version).toMatchObject({ code: 0, stdout: "kcm-host 1\n" });
    for (const command of [
      "sudo -n true",
      "sudo -n cat /etc/shadow",
      "sudo -n yum install -y kcm-guacd",
      `sudo -n ${host.binDir}/yum --setopt=exit_on_lock=True upgrade -y kcm-guacd`,
      `sudo -n ${host.binDir}/systemctl stop guacamole guacd`,
    ]) {
      const refused = await host.ssh(command);
      expect(refused.code, command).toBe(1);
      expect(refused.stderr, command).toContain("sudo:");
    }
  });

  it("host-key-changed: the client refuses to connect and runs nothing", async () => {
    const marker = `/tmp/kcm-lab-ran-${host.record.index}`;
    await host.fault("host-key-changed");
    const refused = await host.ssh(`touch ${marker}`);
    expect(refused.code).toBe(255);
    expect(refused.stderr).toContain("REMOTE HOST IDENTIFICATION HAS CHANGED");
    expect(
      await readFile(marker).then(
        () => true,
        () => false,
      ),
    ).toBe(false);
    await host.fault("host-key-changed", false);
    expect((await host.ssh("true")).code).toBe(0);
  });

  it("sshd killed mid-command: the connection drops, new ones are refused until it starts again", async () => {
    const running = host.ssh("echo started; sleep 30; echo finished");
    await sleep(500);
    await host.killSshd();
    const dropped = await running;
    expect(dropped.code).toBe(255);
    expect(dropped.stdout).toContain("started");
    expect(dropped.stdout).not.toContain("finished");
    const refused = await host.ssh("true");
    expect(refused.code).toBe(255);
    expect(refused.stderr).toContain("Connection refused");
    await host.startSshd();
    expect((await host.ssh("true")).code).toBe(0);
  });

  it("keeps a host's key when the host is made again at the same address", async () => {
    const { index } = host.record;
    const fingerprint = host.record.hostKeyFingerprint;
    await host.destroy();
    host = await createLabHost({ index });
    expect(host.record.hostKeyFingerprint).toBe(fingerprint);
    expect((await host.ssh("true")).code).toBe(0);
  });
});
