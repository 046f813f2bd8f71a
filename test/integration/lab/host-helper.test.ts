import { stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createLabHost, type LabHost } from "../../lab/lab.js";
import { kcmPackageSpecs } from "../../lab/lab-host.js";
import { runCommand } from "../../lab/run-command.js";
import { describeLab } from "../../support/describe-lab.js";

/** A POSIX shell word: single-quoted, so the remote shell passes it to sudo as it is. */
const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;

const CANARY = "/tmp/kcm-helper-canary";
const GOOD = "kcm-guacd-2.24.1-1.el8.x86_64";

/**
 * Arguments an attacker holding the bot's key might send, by subcommand.
 * Every one must be refused with exit 64 before anything runs.
 */
const HOSTILE: [string, string[]][] = [
  ["upgrade", ["/tmp/evil.rpm"]],
  ["upgrade", ["kcm-x", "/tmp/evil.rpm"]],
  ["upgrade", ["kcm-x /tmp/evil.rpm"]],
  ["upgrade", [GOOD, "--setopt=reposdir=/tmp/evil", "--nogpgcheck"]],
  ["upgrade", [`${GOOD} --nogpgcheck`]],
  ["upgrade", ["--nogpgcheck"]],
  ["upgrade", ["-kcm-guacd-2.24.1-1.el8.x86_64"]],
  ["upgrade", ["kcm-evil.rpm"]],
  ["upgrade", ["kcm-guacd-2.24.1-1.el8.rpm"]],
  ["upgrade", ["../kcm-guacd-2.24.1-1.el8.x86_64"]],
  ["upgrade", ["kcm-guacd-..-...x86_64"]],
  ["upgrade", ["kcm-a/../../tmp/evil-1-1.x86_64"]],
  ["upgrade", [`${GOOD}\nkcm-guacd-2.24.1-1.el8.x86_64`]],
  ["upgrade", [`kcm-$(touch ${CANARY})-1-1.x86_64`]],
  ["upgrade", [`kcm-\`touch ${CANARY}\`-1-1.x86_64`]],
  ["upgrade", [`kcm-a-1-1.x86_64;touch ${CANARY}`]],
  ["upgrade", [`kcm-a-1-1.x86_64|touch ${CANARY}`]],
  ["upgrade", ["kcm-*"]],
  ["upgrade", ["kcm-guacd-2.24.1-1.el8.x86_64*"]],
  ["upgrade", [`kcm-${"a".repeat(300)}-1-1.x86_64`]],
  ["upgrade", ["kcm-gü-2.24.1-1.el8.x86_64"]],
  ["upgrade", []],
  ["prefetch", ["/tmp/evil.rpm"]],
  ["prefetch", [`${GOOD} --downloaddir=/etc`]],
  ["history-undo", ["1;id"]],
  ["history-undo", ["-1"]],
  ["history-undo", ["../1"]],
  ["history-undo", ["1", "2"]],
  ["history-undo", ["1234567890"]],
  ["history-undo", [""]],
  ["stop", ["guacamole"]],
  ["stop", ["standalone tomcat"]],
  ["stop", ["standalone", "sshd"]],
  ["start", ["../standalone"]],
  ["is-active", []],
  ["list-updates", ["--setopt=reposdir=/tmp/evil"]],
  ["history-info", ["5"]],
  ["version", ["--help"]],
  ["install", [GOOD]],
  ["rm", ["-rf", "/"]],
  ["", []],
];

describeLab("the host helper refuses what the runbook would never send", () => {
  let host: LabHost;
  let dnfLog: string;

  beforeAll(async () => {
    host = await createLabHost({ release: "2.23.1", publish: ["2.24.1"] });
    dnfLog = path.join(host.root, "var/log/dnf.log");
  });
  afterAll(async () => {
    await host?.destroy();
  });

  /** What would show that something ran: dnf's log grew, a unit changed, the canary exists. */
  async function traces() {
    return {
      dnfLog: (await stat(dnfLog)).size,
      units: [await host.unitState("guacamole"), await host.unitState("guacd")],
      canary: await stat(CANARY).then(
        () => true,
        () => false,
      ),
    };
  }

  it("as root: exit 64 and one line on stderr for every hostile argument list, and nothing runs", async () => {
    const before = await traces();
    expect(before.canary).toBe(false);
    for (const [subcommand, args] of HOSTILE) {
      const what = JSON.stringify([subcommand, ...args]);
      const result = await runCommand(
        host.helperPath,
        subcommand === "" ? [] : [subcommand, ...args],
      );
      expect(result.code, what).toBe(64);
      expect(result.stdout, what).toBe("");
      expect(result.stderr, what).toMatch(/^kcm-host: [^\n]+\n$/);
    }
    expect(await traces()).toEqual(before);
  });

  it("over SSH as the bot's account: sudo or the helper refuses each, and nothing runs", async () => {
    const before = await traces();
    const refusedBy = { sudo: 0, helper: 0 };
    for (const [subcommand, args] of HOSTILE) {
      const what = JSON.stringify([subcommand, ...args]);
      const line = [host.helperPath, subcommand, ...args].map(quote).join(" ");
      const result = await host.ssh(`sudo -n ${line}`);
      // sudo's rules admit `upgrade kcm-*` and the like: the helper refuses those (64);
      // sudo refuses the rest itself (1: no rule lets it run them without a password).
      expect([1, 64], what).toContain(result.code);
      if (result.code === 64) expect(result.stderr, what).toMatch(/^kcm-host: /);
      else expect(result.stderr, what).toContain("sudo: a password is required");
      refusedBy[result.code === 64 ? "helper" : "sudo"]++;
    }
    // Both layers were exercised: the helper's checks are not only a second wall.
    expect(refusedBy.helper).toBeGreaterThanOrEqual(15);
    expect(refusedBy.sudo).toBeGreaterThanOrEqual(10);
    expect(refusedBy.helper + refusedBy.sudo).toBe(HOSTILE.length);
    expect(await traces()).toEqual(before);
  });

  it("sudo itself refuses the yum commands the old direct rules let through", async () => {
    for (const command of [
      `${host.binDir}/yum --setopt=exit_on_lock=True upgrade -y kcm-x /tmp/evil.rpm`,
      `${host.binDir}/yum --setopt=exit_on_lock=True upgrade -y kcm-x --setopt=reposdir=/tmp/evil --nogpgcheck`,
      `${host.helperPath} upgrade-all`,
    ]) {
      const listed = await host.ssh(`sudo -n -l ${command}`);
      expect(listed.code, command).toBe(1);
      expect(listed.stdout, command).toBe("");
    }
    // ...and lists what it does allow.
    const allowed = await host.ssh(`sudo -n -l ${host.helperPath} upgrade ${GOOD}`);
    expect(allowed).toMatchObject({ code: 0, stdout: `${host.helperPath} upgrade ${GOOD}\n` });
  });

  it("refuses to undo a transaction that changed anything but kcm-* packages", async () => {
    // Transaction 1 is the host's install, which also brought redhat-release.
    const undo = await host.ssh(host.helper("history-undo 1"));
    expect(undo.code).toBe(64);
    expect(undo.stderr).toMatch(
      /^kcm-host: history-undo: transaction 1 changed packages other than kcm-\*: redhat-release-/,
    );
    expect(await host.lastTransaction()).toBe(1);
  });

  it("runs the runbook's subcommands as root", async () => {
    const specs = kcmPackageSpecs("standalone", "2.24.1");
    expect((await host.ssh(host.helper(`prefetch ${specs.join(" ")}`))).code).toBe(0);
    expect((await host.ssh(host.helper("stop standalone"))).code).toBe(0);
    const stopped = await host.ssh(host.helper("is-active standalone"));
    expect(stopped).toMatchObject({ code: 3, stdout: "inactive\ninactive\n" });
    expect((await host.ssh(host.helper(`upgrade ${specs.join(" ")}`))).code).toBe(0);
    expect((await host.ssh(host.helper("start standalone"))).code).toBe(0);
    expect((await host.webStatus()).version).toBe("2.24.1-1.el8");
    const info = await host.ssh(host.helper("history-info"));
    expect(info.stdout).toMatch(/^Transaction ID : 2$/m);
    // Transaction 2 changed only kcm-* packages: it may be undone.
    expect((await host.ssh(host.helper("history-undo 2"))).code).toBe(0);
    expect((await host.installed()).get("kcm-guacd")).toBe("2.23.1-1.el8");
  });

  it("reads kcm-host.conf only when root owns it and nobody else may write it", async () => {
    const conf = path.join(path.dirname(host.helperPath), "kcm-host.conf");
    await runCommand("chmod", ["0666", conf]);
    try {
      const refused = await host.ssh(host.helper("list-updates"));
      expect(refused.code).toBe(64);
      expect(refused.stderr).toMatch(
        /kcm-host\.conf is writable by others than root; not reading it/,
      );
    } finally {
      await runCommand("chmod", ["0644", conf]);
    }
    await runCommand("chown", [host.user, conf]);
    try {
      const refused = await host.ssh(host.helper("list-updates"));
      expect(refused.code).toBe(64);
      expect(refused.stderr).toMatch(/kcm-host\.conf is not owned by root; not reading it/);
    } finally {
      await runCommand("chown", ["root", conf]);
    }
  });
});
