import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classifyHostFailure } from "../../../src/kcm/classify-host-failure.js";
import type { CommandOutput } from "../../../src/kcm/command-output.js";
import {
  type HostFailure,
  type HostFailureCode,
  MAX_EVIDENCE_LINES,
  readableLines,
} from "../../../src/kcm/host-failure.js";
import { arbitraryMix, arbitraryOutput } from "../../fixtures/kcm/arbitrary-output.js";
import { fixtureNames, fixtureOutput, loadFixture } from "../../fixtures/kcm/load-fixture.js";

const CODES: readonly HostFailureCode[] = [
  "yum-lock",
  "repo-unreachable",
  "gpg",
  "disk-space",
  "sudo-password",
  "sudo-not-allowed",
  "helper-missing",
  "helper-refused",
  "timeout",
  "command-failed",
];

/** The pid in a fixture's own words, so the test does not depend on one capture's pid. */
function pidIn(name: string, pattern: RegExp): string {
  const { stdout, stderr } = loadFixture(name);
  const pid = pattern.exec(stdout + stderr)?.[1];
  if (pid === undefined) throw new Error(`no pid in ${name}`);
  return pid;
}

/** The trimmed lines a person would read in an output. */
const shownLines = (output: CommandOutput) =>
  [...readableLines(output.stdout), ...readableLines(output.stderr)].map((l) => l.trim());

function classify(name: string): HostFailure {
  return classifyHostFailure(fixtureOutput(name));
}

describe("classifyHostFailure: the yum lock", () => {
  it("dnf with exit_on_lock: who holds which lock, and that yum gave up", () => {
    const pid = pidIn("dnf/list-updates-yum-lock", /locked by (\d+)/);
    const failure = classify("dnf/list-updates-yum-lock");
    expect(failure).toMatchObject({ code: "yum-lock", exitCode: 200 });
    expect(failure.summary).toBe(
      `another process (pid ${pid}, python3) holds the yum lock (metadata); yum gave up instead of waiting`,
    );
    expect(failure.evidence).toEqual([
      `metadata already locked by ${pid}`,
      `The application with PID ${pid} is: python3`,
      expect.stringMatching(/^Memory :/),
      expect.stringMatching(/^Started: /),
      "State  : Sleeping",
    ]);
  });

  it("dnf's rpm database lock, held by an upgrade in progress", () => {
    const pid = pidIn("dnf/upgrade-rpmdb-locked", /RPMDB already locked by (\d+)/);
    const failure = classify("dnf/upgrade-rpmdb-locked");
    expect(failure.code).toBe("yum-lock");
    expect(failure.summary).toContain(`(pid ${pid}, dnf) holds the yum lock (RPMDB)`);
    expect(failure.evidence).toContain(`RPMDB already locked by ${pid}`);
  });

  it.each(["dnf/list-updates-yum-lock-waiting", "dnf/list-updates-yum-lock-timed-out"])(
    "dnf waiting for the lock until stopped (%s), not a plain timeout",
    (name) => {
      const pid = pidIn(name, /pid (\d+) to finish/);
      const failure = classify(name);
      expect(failure.code).toBe("yum-lock");
      expect(failure.summary).toBe(
        `another process (pid ${pid}) holds the yum lock; yum was still waiting for it when the command was stopped`,
      );
      expect(failure.evidence).toEqual([`Waiting for process with pid ${pid} to finish.`]);
    },
  );

  it("yum 3 with exit_on_lock", () => {
    const failure = classify("yum3/list-updates-yum-lock");
    expect(failure).toMatchObject({ code: "yum-lock", exitCode: 1 });
    expect(failure.summary).toBe(
      "another process (pid 2876) holds the yum lock; yum gave up instead of waiting",
    );
    expect(failure.evidence).toEqual([
      "Existing lock /var/run/yum.pid: another copy is running as pid 2876.",
      "Another app is currently holding the yum lock; exiting as configured by exit_on_lock",
    ]);
  });

  it("yum 3 waiting, naming the other application once", () => {
    const failure = classify("yum3/list-updates-yum-lock-waiting");
    expect(failure.summary).toBe(
      "another process (pid 2876, yum) holds the yum lock; yum was still waiting for it when the command was stopped",
    );
    expect(failure.evidence).toContain("The other application is: yum");
    expect(failure.evidence).toContain("State  : Sleeping, pid: 2876");
    expect(new Set(failure.evidence).size).toBe(failure.evidence.length);
  });
});

describe("classifyHostFailure: repositories, GPG, disk space", () => {
  it("dnf cannot reach a repository", () => {
    const failure = classify("dnf/list-updates-repo-unreachable");
    expect(failure.code).toBe("repo-unreachable");
    expect(failure.summary).toBe(
      "yum cannot download the metadata of repository kcm-2.23.1: Curl error (7): Couldn't connect to server (http://127.0.0.1:1/kcm/2.23.1/repodata/repomd.xml)",
    );
    expect(failure.evidence).toContain(
      "Error: Failed to download metadata for repo 'kcm-2.23.1': Cannot download repomd.xml: Cannot download repodata/repomd.xml: All mirrors were tried",
    );
    expect(failure.evidence.some((l) => l.startsWith("- Curl error (7): Couldn't connect"))).toBe(
      true,
    );
  });

  it.each([
    ["yum3/list-updates-repo-unreachable", "failure: repodata/repomd.xml from kcm:"],
    ["yum3/list-updates-repo-unreachable-older-yum", "Error: Cannot retrieve repository metadata"],
  ])("yum 3 cannot reach a repository (%s)", (name, line) => {
    const failure = classify(name);
    expect(failure.code).toBe("repo-unreachable");
    expect(failure.summary).toMatch(/^yum cannot download the metadata of repository kcm: /);
    expect(failure.summary).toContain("Failed connect to kcm.example.com:443; Connection refused");
    expect(failure.evidence.some((l) => l.startsWith(line))).toBe(true);
  });

  it("dnf refuses unsigned packages", () => {
    const failure = classify("dnf/upgrade-gpg-not-signed");
    expect(failure.code).toBe("gpg");
    expect(failure.summary).toBe(
      "the GPG check failed: kcm-guacamole-2.24.1-1.el8.noarch.rpm and 8 other packages are not signed, and gpgcheck is on",
    );
    expect(failure.evidence).toHaveLength(MAX_EVIDENCE_LINES);
    expect(failure.evidence).toContain("Error: GPG check FAILED");
    expect(failure.evidence).toContain("Package kcm-guacd-2.24.1-1.el8.x86_64.rpm is not signed");
  });

  it("dnf has gpgcheck on and no keys", () => {
    const failure = classify("dnf/upgrade-gpg-no-keys");
    expect(failure.code).toBe("gpg");
    expect(failure.summary).toBe(
      "the GPG check failed: gpgcheck is on for repository kcm-2.23.1 but no GPG public keys are installed or configured",
    );
    expect(failure.evidence).toContain("Problem repository: [kcm-2.23.1]");
    // The repository's settings that dnf dumps after it are not evidence.
    expect(failure.evidence.some((l) => l.startsWith("baseurl:"))).toBe(false);
  });

  it.each([
    [
      "yum3/upgrade-gpg-nokey",
      "the public key (key ID 5e8bd7ac) for kcm-guacd-2.24.1-1.el7.x86_64.rpm is not installed on the host",
    ],
    [
      "yum3/upgrade-not-signed",
      "kcm-guacd-2.24.1-1.el7.x86_64.rpm is not signed, and gpgcheck is on",
    ],
  ])("yum 3's GPG failures (%s)", (name, why) => {
    expect(classify(name)).toMatchObject({ code: "gpg", summary: `the GPG check failed: ${why}` });
  });

  it("rpm finds /usr full: the total dnf sums up, and rpm's own lines", () => {
    const failure = classify("dnf/upgrade-disk-full");
    expect(failure.code).toBe("disk-space");
    expect(failure.summary).toBe(
      "not enough disk space: the upgrade needs at least 1MB more on the /usr filesystem",
    );
    expect(failure.evidence).toContain("At least 1MB more space needed on the /usr filesystem.");
    expect(failure.evidence).toContain(
      "installing package kcm-guacd-2.24.1-1.el8.x86_64 needs 8KB more space on the /usr filesystem",
    );
  });

  it("yum 3's disk requirements", () => {
    const failure = classify("yum3/upgrade-disk-space");
    expect(failure.summary).toBe(
      "not enough disk space: the upgrade needs at least 12MB more on the /usr filesystem",
    );
    expect(failure.evidence).toContain(
      "installing package kcm-guacd-2.24.1-1.el7.x86_64 needs 12MB on the /usr filesystem",
    );
  });
});

describe("classifyHostFailure: sudo, timeouts, anything else", () => {
  it("sudo wants a password", () => {
    expect(classify("dnf/list-updates-sudo-password")).toEqual({
      code: "sudo-password",
      summary:
        "sudo wants a password for this command: the account has no passwordless (NOPASSWD) sudo rule for it",
      evidence: ["sudo: a password is required"],
      exitCode: 1,
    });
  });

  it("sudo does not allow the command: who, what, where", () => {
    const { stderr } = loadFixture("dnf/check-update-sudo-not-allowed");
    const failure = classify("dnf/check-update-sudo-not-allowed");
    expect(failure.code).toBe("sudo-not-allowed");
    expect(failure.summary).toMatch(
      /^sudo does not allow kcmlab\d+ to run "\/\S+\/bin\/yum --setopt=exit_on_lock=True check-update kcm-\*" as root on vm: /,
    );
    expect(failure.evidence).toEqual([stderr.trim()]);
  });

  it("our timeout stopped an upgrade in its transaction", () => {
    const failure = classify("dnf/upgrade-timed-out");
    expect(failure).toMatchObject({ code: "timeout", exitCode: null });
    expect(failure.summary).toBe(
      "the command did not finish within its time limit and was stopped",
    );
    expect(failure.evidence.at(-1)).toMatch(/^Upgrading\s+: kcm-libguac-2\.24\.1-1\.el8\.x86_64/);
  });

  it("a failing unit start is a plain failure, with the host's last lines", () => {
    expect(classify("systemctl/start-guacamole-fails")).toEqual({
      code: "command-failed",
      summary: "the command failed with exit code 1",
      evidence: [
        "Job for guacamole.service failed because the control process exited with error code.",
        'See "systemctl status guacamole.service" and "journalctl -xe" for details.',
      ],
      exitCode: 1,
    });
  });

  it("a host not booted with systemd is a plain failure too", () => {
    const failure = classify("systemctl/show-units-not-booted-with-systemd");
    expect(failure.code).toBe("command-failed");
    expect(failure.evidence[0]).toMatch(/^System has not been booted with systemd/);
  });

  it("says when there was no exit code at all", () => {
    expect(classifyHostFailure({ exitCode: null, stdout: "", stderr: "" }).summary).toBe(
      "the command ended without an exit code (it was killed, or the connection dropped)",
    );
  });
});

describe("classifyHostFailure: the host helper", () => {
  it("refused its arguments: exit 64, its one line", () => {
    expect(classify("sudo/helper-refused")).toEqual({
      code: "helper-refused",
      summary:
        "the host helper refused the command and ran nothing: not a kcm package (no architecture at the end): kcm-evil.rpm",
      evidence: ["kcm-host: not a kcm package (no architecture at the end): kcm-evil.rpm"],
      exitCode: 64,
    });
  });

  it("a kcm-host line without exit 64 is not the helper's refusal", () => {
    const output = fixtureOutput("sudo/helper-refused");
    expect(classifyHostFailure({ ...output, exitCode: 1 }).code).toBe("command-failed");
  });

  it("is not installed where sudo's rule says: how to install it", () => {
    const failure = classify("sudo/helper-not-found");
    expect(failure.code).toBe("helper-missing");
    expect(failure.summary).toBe(
      "the host helper is not installed at /var/tmp/kcm-lab-test/hosts/101/libexec/kcm-host: kcm-chatops host-helper prints how to install it",
    );
  });
});

describe("classifyHostFailure, properties", () => {
  /** Evidence lines are the host's own trimmed lines, at most ten, never repeated. */
  function expectHostWords(failure: HostFailure, output: CommandOutput): void {
    expect(CODES).toContain(failure.code);
    expect(failure.exitCode).toBe(output.exitCode);
    expect(failure.summary.length).toBeGreaterThan(0);
    expect(failure.evidence.length).toBeLessThanOrEqual(MAX_EVIDENCE_LINES);
    const lines = shownLines(output);
    for (const line of failure.evidence) {
      expect(line).toBe(line.trim());
      expect(lines).toContain(line);
    }
  }

  it("never throws, and its evidence is always the host's own lines", () => {
    fc.assert(
      fc.property(arbitraryOutput, (output) => {
        expectHostWords(classifyHostFailure(output), output);
      }),
    );
  });

  const failures = [...fixtureNames("dnf"), ...fixtureNames("yum3"), ...fixtureNames("systemctl")];
  it.each(failures)("keeps to the host's words on %s, with lines mixed in", (name) => {
    const output = fixtureOutput(name);
    expectHostWords(classifyHostFailure(output), output);
    fc.assert(
      fc.property(arbitraryMix(output), (mixed) => {
        expectHostWords(classifyHostFailure(mixed), mixed);
      }),
      { numRuns: 30 },
    );
  });
});

describe("sudo's requiretty", () => {
  it("is a sudo refusal whose summary gives the fix", () => {
    const failure = classifyHostFailure({
      exitCode: 1,
      stdout: "",
      stderr: "sudo: sorry, you must have a tty to run sudo\n",
    });
    expect(failure.code).toBe("sudo-not-allowed");
    expect(failure.summary).toContain("!requiretty");
    expect(failure.evidence).toEqual(["sudo: sorry, you must have a tty to run sudo"]);
  });
});
