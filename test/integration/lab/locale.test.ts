import { afterAll, beforeAll, expect, it } from "vitest";
import { parseYumListUpdates } from "../../../src/kcm/parse-yum-list-updates.js";
import { checkHost } from "../../../src/runbook/check-host.js";
import { sshConnector } from "../../../src/ssh/ssh-connector.js";
import { createLabHost, type LabHost } from "../../lab/lab.js";
import { describeLabWithRedis } from "../../support/describe-lab-with-redis.js";
import { checkTargetOf, sshTargetOf } from "../../support/ssh-target-of.js";
import { UpgradeHarness } from "../../support/worker-harness.js";

/**
 * A host whose logins get LANG=de_DE.UTF-8 (as /etc/environment would set
 * it), which RHEL's sudoers pass on to the command: dnf speaks German there.
 */
describeLabWithRedis("a KCM host whose logins speak German", (redisUrl) => {
  let helper: LabHost;
  let direct: LabHost;

  beforeAll(async () => {
    [helper, direct] = await Promise.all([
      createLabHost({ name: "de-helper", release: "2.23.1", publish: ["2.24.1"] }),
      createLabHost({
        name: "de-direct",
        release: "2.23.1",
        publish: ["2.24.1"],
        privilege: "direct-sudo",
      }),
    ]);
    await Promise.all([helper.fault("locale"), direct.fault("locale")]);
  });
  afterAll(async () => {
    await Promise.all([helper?.destroy(), direct?.destroy()]);
  });

  it("is real: the login's LANG reaches a sudo'd yum, which the parser cannot read", async () => {
    expect((await helper.ssh("echo $LANG")).stdout).toBe("de_DE.UTF-8\n");
    // What the bot's `sudo -n yum list updates` printed there before the C locale was forced.
    const german = await direct.ssh("sudo -n yum --setopt=exit_on_lock=True list updates 'kcm-*'");
    expect(german.code).toBe(0);
    expect(german.stdout).toContain("Verfügbare Aktualisierungen");
    const parsed = parseYumListUpdates({
      exitCode: german.code,
      stdout: german.stdout,
      stderr: german.stderr,
    });
    expect(parsed.kind).toBe("unrecognised");
  });

  it("check reads both hosts (the helper's and direct sudo) in the C locale", async () => {
    for (const host of [helper, direct]) {
      const check = await checkHost(checkTargetOf(host), {
        connect: sshConnector([sshTargetOf(host)]),
        commandTimeoutMs: 30_000,
      });
      expect(check.problems, host.name).toEqual([]);
      expect(check.pending, host.name).toHaveLength(9);
      expect(check.kcmVersion).toBe("2.23.1-1.el8");
    }
  });

  it("a whole upgrade through the host helper: every step parsed, the host at 2.24.1", async () => {
    const h = new UpgradeHarness(redisUrl, [helper]);
    await h.setUp();
    try {
      await h.enqueue("req-deutsch", helper, await h.planFor(helper));
      await h.startWorker();
      const job = await h.finished("req-deutsch");
      expect(job.returnvalue).toMatchObject({
        kind: "upgraded",
        transactionId: 2,
        stillPending: [],
      });
      expect((await helper.webStatus()).version).toBe("2.24.1-1.el8");
    } finally {
      await h.tearDown();
    }
  });
});
