import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDoctor } from "../../../src/cli/run-doctor.js";
import { readEnv } from "../../../src/config/read-env.js";
import { readHostHelper } from "../../../src/kcm/read-host-helper.js";
import { createLabHost, type LabHost } from "../../lab/lab.js";
import { labInventoryYaml } from "../../lab/lab-inventory.js";
import { runCommand } from "../../lab/run-command.js";
import { captureCliOutput } from "../../support/capture-cli-output.js";
import { describeLabWithRedis } from "../../support/describe-lab-with-redis.js";
import { type FakeSlack, startFakeSlack } from "../../support/fake-slack/start-fake-slack.js";
import { type OwnRedis, startOwnRedis } from "../../support/start-own-redis.js";

const WRONG_KEY = "SHA256:fbvWx7tccquu6uGYCHfGJ2+D72nEbtHlzoDn8lodc9k";

describeLabWithRedis("kcm-chatops doctor", (redisUrl) => {
  let web1: LabHost;
  let web2: LabHost;
  let slack: FakeSlack;
  let dir: string;
  let inventory: string;

  /** Runs doctor as main.ts does, with these variables as the whole environment. */
  async function doctor(vars: Record<string, string> = {}, args: string[] = []) {
    const io = captureCliOutput();
    const env = {
      KCM_INVENTORY: inventory,
      REDIS_URL: redisUrl,
      // Its own prefix: no process of another test is running under it.
      KCM_REDIS_PREFIX: "tdoctor",
      SLACK_BOT_TOKEN: slack.token,
      SLACK_API_URL: slack.apiUrl,
      KCM_SSH_CONNECT_TIMEOUT_MS: "5000",
      ...vars,
    };
    const code = await runDoctor(args, () => readEnv(env), io);
    return { code, out: io.stdout(), lines: io.stdout().trimEnd().split("\n") };
  }

  /** The lines of one host's section, up to the next blank line. */
  function section(lines: string[], host: LabHost): string[] {
    const start = lines.findIndex((l) => l.startsWith(`${host.name} (`));
    const end = lines.indexOf("", start);
    return lines.slice(start + 1, end < 0 ? undefined : end);
  }

  /**
   * Runs `body` with web-1's sudoers file: its path, its text, and `write` to
   * replace that text; the original text is put back afterwards.
   */
  async function withWeb1Sudoers(
    body: (sudoers: {
      file: string;
      original: string;
      write: (text: string) => Promise<void>;
    }) => Promise<void>,
  ): Promise<void> {
    const file = `/etc/sudoers.d/${web1.user}`;
    const original = await readFile(file, "utf8");
    const write = (text: string) => writeFile(file, text, { mode: 0o440 });
    try {
      await body({ file, original, write });
    } finally {
      await write(original);
    }
  }

  beforeAll(async () => {
    [web1, web2, slack] = await Promise.all([
      createLabHost({ name: "web-1", release: "2.23.1", publish: ["2.24.1"] }),
      createLabHost({ name: "web-2", release: "2.24.1", layout: "tomcat" }),
      startFakeSlack(),
    ]);
    dir = await mkdtemp(path.join(tmpdir(), "kcm-doctor-"));
    inventory = path.join(dir, "inventory.yml");
    await writeFile(inventory, labInventoryYaml([web1, web2]));
  });
  afterAll(async () => {
    await Promise.all([web1?.destroy(), web2?.destroy(), slack?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("passes a healthy fleet with a good Redis and Slack token: one ✓ line per check", async () => {
    const { code, lines, out } = await doctor();
    expect(code).toBe(0);
    expect(lines.slice(0, 7)).toEqual([
      "✓ environment: valid",
      `✓ inventory: ${inventory}: 2 hosts, 0 groups`,
      expect.stringMatching(
        /^✓ redis: redis:\/\/127\.0\.0\.1:\d+\/? answers: Redis \d+\.\d+\.\d+$/,
      ),
      "✓ redis policy: maxmemory-policy noeviction",
      "✓ redis persistence: append-only file on (aof_enabled:1)",
      "- same inventory: no bot or worker is running (none has said which inventory it runs in the last minute)",
      "✓ slack: the bot token is kcm-chatops (U0KCMBOT) in KCM Fake Workspace (T0KCM)",
    ]);
    const checks = (host: LabHost) => section(lines, host).filter((l) => /^ {2}[✓✗]/.test(l));
    const sha = readHostHelper().sha256.slice(0, 16);
    expect(checks(web1)).toEqual([
      `  ✓ reachable: ${web1.address}:${web1.port} answers SSH`,
      `  ✓ host key: ${web1.record.hostKeyFingerprint} (ssh-ed25519), as pinned`,
      `  ✓ login: as ${web1.user} with ${web1.privateKeyPath}`,
      `  ✓ helper: ${web1.helperPath}: root's, out of ${web1.user}'s reach, the same as this bot's (sha256 ${sha}…)`,
      "  ✓ sudo: the host helper's 12 subcommands run as root without a password, and nothing else",
      "  ✓ layout: standalone (guacamole guacd), detected",
    ]);
    expect(checks(web2).at(-1)).toBe("  ✓ layout: tomcat (tomcat guacd), detected");
    // The lab's helper reads its host's own yum and systemctl from kcm-host.conf.
    expect(section(lines, web1)).toContain(
      `      kcm-host.conf beside it says: YUM=${web1.binDir}/yum; SYSTEMCTL=${web1.binDir}/systemctl`,
    );
    expect(lines.at(-1)).toBe("All 18 checks passed.");
    expect(out).not.toContain("✗");
    expect(slack.callsTo("auth.test")).toHaveLength(1);
  });

  it("prints JSON with --json", async () => {
    const { code, out } = await doctor({}, ["--json"]);
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.ok).toBe(true);
    expect(report.sections.map((s: { subject: string }) => s.subject)).toEqual([
      "environment",
      "inventory",
      "redis",
      "slack",
      `web-1 (${web1.user}@${web1.address}:${web1.port})`,
      `web-2 (${web2.user}@${web2.address}:${web2.port})`,
    ]);
    expect(report.sections[4].findings.map((f: { check: string }) => f.check)).toEqual([
      "reachable",
      "host key",
      "login",
      "helper",
      "sudo",
      "layout",
    ]);
  });

  it("finds a wrong host key pin, names both fingerprints, and never logs in", async () => {
    const wrong = path.join(dir, "wrong-pin.yml");
    await writeFile(
      wrong,
      labInventoryYaml([web1]).replace(web1.record.hostKeyFingerprint, WRONG_KEY),
    );
    const logins = async () =>
      (
        (await readFile(path.join(web1.dir, "log", "sshd.log"), "utf8")).match(
          /Accepted publickey/g,
        ) ?? []
      ).length;
    const before = await logins();
    const { code, lines } = await doctor({ KCM_INVENTORY: wrong });
    expect(code).toBe(1);
    expect(section(lines, web1)).toEqual([
      `  ✓ reachable: ${web1.address}:${web1.port} answers SSH`,
      `  ✗ host key: the host presents ${web1.record.hostKeyFingerprint} (ssh-ed25519), but the inventory pins ${WRONG_KEY}; the bot will not log in`,
      "      fix: if the host was rebuilt or its keys were replaced on purpose, pin the new key:",
      `             kcm-chatops keyscan ${web1.address} --port ${web1.port}`,
      "             prints the hostKey line, and how to check it on the host itself first;",
      "           if nobody changed it, treat it as someone in the middle of the connection, and investigate",
    ]);
    expect(lines.at(-1)).toBe("1 of 8 checks failed; the fix is under each ✗.");
    expect(await logins()).toBe(before);
  });

  it("finds a host whose sudo wants a password, with every line to grant", async () => {
    await web2.fault("sudo-password");
    try {
      const { code, lines } = await doctor();
      expect(code).toBe(1);
      const web2Lines = section(lines, web2);
      expect(web2Lines).toContain(
        `  ✗ sudo: sudo asks for a password: no rule lets ${web2.user} run a command as root without one (NOPASSWD), and the bot cannot type a password`,
      );
      expect(web2Lines).toContain("      sudo: a password is required");
      expect(web2Lines).toContain(
        `             ${web2.user} ALL=(root) NOPASSWD: ${web2.helperPath} start tomcat`,
      );
      expect(section(lines, web1).some((l) => l.includes("✗"))).toBe(false);
    } finally {
      await web2.fault("sudo-password", false);
    }
  });

  it("finds commands missing from sudoers; the lines it prints fix them", () =>
    withWeb1Sudoers(async ({ file, original, write }) => {
      const reduced = original
        .split("\n")
        .filter((l) => !l.includes(" history-"))
        .join("\n");
      await write(reduced);
      expect((await runCommand("visudo", ["-c", "-q", "-f", file])).code).toBe(0);
      const { code, lines } = await doctor();
      expect(code).toBe(1);
      const helper = web1.helperPath;
      const web1Lines = section(lines, web1);
      expect(web1Lines).toEqual(
        expect.arrayContaining([
          "  ✗ sudo: 2 of the runbook's 12 commands may not run as root without a password",
          `      missing: ${helper} history-info`,
          `      missing: ${helper} history-undo [0-9]*`,
          "      fix: add these lines to /etc/sudoers.d/kcm-chatops on the host (then check it: visudo -cf /etc/sudoers.d/kcm-chatops):",
        ]),
      );
      const grants = web1Lines.filter((l) => l.startsWith(`             ${web1.user} ALL=`));
      expect(grants.map((l) => l.trim())).toEqual([
        `${web1.user} ALL=(root) NOPASSWD: ${helper} history-info`,
        `${web1.user} ALL=(root) NOPASSWD: ${helper} history-undo [0-9]*`,
      ]);
      // Granting exactly what doctor printed makes it pass.
      await write(`${reduced}\n${grants.map((l) => l.trim()).join("\n")}\n`);
      expect((await runCommand("visudo", ["-c", "-q", "-f", file])).code).toBe(0);
      expect((await doctor()).code).toBe(0);
    }));

  it("fails NOPASSWD: ALL as far more than the runbook needs", () =>
    withWeb1Sudoers(async ({ write }) => {
      await write(`${web1.user} ALL=(ALL:ALL) NOPASSWD: ALL\n`);
      const { code, lines } = await doctor();
      expect(code).toBe(1);
      expect(section(lines, web1)).toContain(
        `  ✗ sudo: ${web1.user} may run ALL as root without a password: far more than the runbook's 12 commands, so anyone with the bot's key is root on this host`,
      );
    }));

  it("fails any other passwordless root rule, saying what it allows", () =>
    withWeb1Sudoers(async ({ file, original, write }) => {
      // The helper, plus the rules of the old direct-sudo set-up left behind.
      const stale = `${web1.user} ALL=(root) NOPASSWD: ${web1.binDir}/yum --setopt\\=exit_on_lock\\=True upgrade -y kcm-*, /usr/bin/id -un`;
      await write(`${original}${stale}\n`);
      expect((await runCommand("visudo", ["-c", "-q", "-f", file])).code).toBe(0);
      const { code, lines } = await doctor();
      expect(code).toBe(1);
      expect(section(lines, web1)).toEqual(
        expect.arrayContaining([
          `  ✗ sudo: ${web1.user} may run 2 commands as root without a password beyond the runbook's 12 commands; anyone with the bot's key may run them too`,
          `      beyond the runbook's 12 commands, ${web1.user} may run as root without a password:`,
          `        ${web1.binDir}/yum --setopt\\=exit_on_lock\\=True upgrade -y kcm-*   (sudo's * also matches spaces: any further arguments, e.g. a package file or --setopt for yum)`,
          "        /usr/bin/id -un",
        ]),
      );
    }));

  it("fails a helper that is missing, changed, or within the account's reach", async () => {
    const helper = web1.helperPath;
    const original = await readFile(helper);
    const helperLine = async () =>
      section((await doctor()).lines, web1).find((l) => l.includes(" helper: "));
    try {
      await rm(helper);
      expect(await helperLine()).toBe(`  ✗ helper: the host helper is not installed at ${helper}`);
      await writeFile(helper, Buffer.concat([original, Buffer.from("# changed on the host\n")]), {
        mode: 0o755,
      });
      expect(await helperLine()).toMatch(
        new RegExp(
          `^  ✗ helper: the host helper at ${helper} is not this bot's: sha256 [0-9a-f]{16}…, this bot's is ${readHostHelper().sha256.slice(0, 16)}…$`,
        ),
      );
      await writeFile(helper, original, { mode: 0o755 });
      await runCommand("chown", [web1.user, helper]);
      expect(await helperLine()).toBe(
        `  ✗ helper: the host helper at ${helper} is not safe: ${helper} is owned by uid ${(await runCommand("id", ["-u", web1.user])).stdout.trim()}, not root`,
      );
      await runCommand("chown", ["root", helper]);
      await runCommand("chmod", ["0777", path.dirname(helper)]);
      expect(await helperLine()).toBe(
        `  ✗ helper: the host helper at ${helper} is not safe: ${web1.user} may write ${path.dirname(helper)} (no sticky bit): it could swap the helper for its own`,
      );
    } finally {
      await runCommand("chmod", ["0755", path.dirname(helper)]);
      await writeFile(helper, original, { mode: 0o755 });
      await runCommand("chown", ["root:root", helper]);
    }
    expect(await helperLine()).toMatch(/^ {2}✓ helper: /);
  });

  it("passes a direct-sudo host with a warning that it is root-equivalent", async () => {
    const legacy = await createLabHost({
      name: "legacy",
      release: "2.24.1",
      privilege: "direct-sudo",
    });
    try {
      const file = path.join(dir, "legacy.yml");
      await writeFile(file, labInventoryYaml([legacy]));
      const { code, lines } = await doctor({ KCM_INVENTORY: file });
      expect(code).toBe(0);
      const legacyLines = section(lines, legacy);
      expect(legacyLines).toContain(
        "  ! sudo: the runbook's 10 commands run as root without a password, and nothing else",
      );
      expect(legacyLines.join("\n")).toContain(
        "warning: privilege: direct-sudo is root-equivalent",
      );
      expect(legacyLines.some((l) => l.includes(" helper: "))).toBe(false);
      expect(lines.at(-1)).toBe("All 11 checks passed; 1 warning (!) to read.");
    } finally {
      await legacy.destroy();
    }
  });

  it("finds a host whose sshd is down", async () => {
    await web2.killSshd();
    try {
      const { code, lines } = await doctor();
      expect(code).toBe(1);
      expect(section(lines, web2)).toEqual([
        `  ✗ reachable: ${web2.name}: connection refused (is sshd running on that port?)`,
        "      fix: start sshd on the host, or correct the address and port in the inventory (hosts[].port, defaults.port)",
      ]);
    } finally {
      await web2.startSshd();
    }
  });

  it("finds a Redis that may evict keys and has no append-only file, and a wrong Slack token", async () => {
    let own: OwnRedis | undefined;
    try {
      own = await startOwnRedis(["--maxmemory-policy", "allkeys-lru", "--appendonly", "no"]);
      const { code, lines } = await doctor({ REDIS_URL: own.url, SLACK_BOT_TOKEN: "xoxb-revoked" });
      expect(code).toBe(1);
      expect(lines).toEqual(
        expect.arrayContaining([
          "✗ redis policy: maxmemory-policy is allkeys-lru, not noeviction: Redis may evict queued jobs, journals, locks and the audit stream when memory runs short (the worker refuses to start)",
          '    fix: set "maxmemory-policy noeviction" in redis.conf, or: redis-cli CONFIG SET maxmemory-policy noeviction && redis-cli CONFIG REWRITE',
          "✗ redis persistence: append-only file off (aof_enabled:0): a restart of Redis loses every write since its last snapshot (requests, approvals, journals, the audit stream)",
          '    fix: set "appendonly yes" in redis.conf, or: redis-cli CONFIG SET appendonly yes && redis-cli CONFIG REWRITE',
          "✗ slack: auth.test failed: invalid_auth",
        ]),
      );
      expect(lines.at(-1)).toBe("3 of 18 checks failed; the fix is under each ✗.");
    } finally {
      await own?.stop();
    }
    const { lines } = await doctor({ REDIS_URL: "redis://127.0.0.1:1" });
    expect(lines[2]).toMatch(
      /^✗ redis: cannot reach Redis at redis:\/\/127\.0\.0\.1:1\/?: .*ECONNREFUSED/,
    );
  });

  describe("configuration", () => {
    it("reports a bad environment and stops; a bad inventory, with every problem", async () => {
      const env = await doctor({ KCM_CHECK_CONCURRENCY: "lots" });
      expect(env.code).toBe(1);
      expect(env.lines.slice(0, 3)).toEqual([
        "✗ environment: The environment is invalid (1 problem):",
        '      KCM_CHECK_CONCURRENCY: expected a whole number from 1 to 64, got "lots"',
        "    fix: correct these variables; nothing else can be checked until then",
      ]);
      const bad = path.join(dir, "bad.yml");
      await writeFile(bad, "hosts:\n  - name: Web_1\n    address: 127.0.0.1\n    hostKey: nope\n");
      const inv = await doctor({}, ["--inventory", bad]);
      expect(inv.code).toBe(1);
      expect(inv.lines[1]).toBe(
        `✗ inventory: The inventory ${bad} is invalid (4 problems); nothing was loaded:`,
      );
      expect(inv.out).toContain("hosts[0].hostKey");
      const missing = await doctor({}, ["--inventory", path.join(dir, "absent.yml")]);
      expect(missing.out).toContain(
        "fix: point KCM_INVENTORY (or --inventory) at the inventory file",
      );
    });
  });
});
