import { afterAll, beforeAll, expect, it } from "vitest";
import { checkHost } from "../../../src/runbook/check-host.js";
import { sshConnector } from "../../../src/ssh/ssh-connector.js";
import { createLabHost, type LabHost } from "../../lab/lab.js";
import { describeLab } from "../../support/describe-lab.js";
import { checkTargetOf, sshTargetOf } from "../../support/ssh-target-of.js";

/**
 * The active-session count in a check, on a lab host whose guacd holds each
 * connection as a real one holds a remote session; with `ss`, without it
 * (the kernel's tables), and with neither.
 */
describeLab("the session count of a check", () => {
  let host: LabHost;
  beforeAll(async () => {
    host = await createLabHost({ name: "sessions", release: "2.23.1", publish: ["2.24.1"] });
  });
  afterAll(async () => {
    await host?.destroy();
  });

  const check = () =>
    checkHost(checkTargetOf(host), {
      connect: sshConnector([sshTargetOf(host)]),
      commandTimeoutMs: 30_000,
    });

  it("is 0, then 3 while three sessions are open, then 0 again; never a problem", async () => {
    expect(await check()).toMatchObject({ sessions: 0, problems: [] });
    const sessions = await host.openSessions(3);
    try {
      expect(await check()).toMatchObject({ sessions: 3, problems: [] });
    } finally {
      await sessions.close();
    }
    expect(await check()).toMatchObject({ sessions: 0 });
  });

  it("without ss, the kernel's tables give the same count; with neither, it is unknown, said plainly", async () => {
    const sessions = await host.openSessions(2);
    try {
      await host.fault("no-ss");
      expect(await check()).toMatchObject({ sessions: 2, problems: [] });
      await host.fault("no-proc-net");
      const blind = await check();
      expect(blind).toMatchObject({
        sessions: null,
        sessionsUnknown: "neither ss nor /proc/net/tcp could be read on the host",
        problems: [],
      });
      expect(blind.pending?.length).toBeGreaterThan(0);
    } finally {
      await host.fault("no-ss", false);
      await host.fault("no-proc-net", false);
      await sessions.close();
    }
  });
});
