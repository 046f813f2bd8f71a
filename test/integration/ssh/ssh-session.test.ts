import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SshError } from "../../../src/ssh/ssh-error.js";
import { SshSession } from "../../../src/ssh/ssh-session.js";
import { createLabHost, type LabHost, startLabRepoServer } from "../../lab/lab.js";
import { kcmPackageSpecs } from "../../lab/lab-host.js";
import { listProcesses } from "../../lab/lab-processes.js";
import { describeLab } from "../../support/describe-lab.js";
import { sshTargetOf } from "../../support/ssh-target-of.js";

async function rejection(promise: Promise<unknown>): Promise<SshError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SshError);
  return error as SshError;
}

describeLab("SshSession against a lab host's real sshd", () => {
  let host: LabHost;
  beforeAll(async () => {
    host = await createLabHost({ release: "2.23.1", publish: ["2.24.1"] });
  });
  afterAll(async () => {
    await host?.destroy();
  });

  it("runs commands over one connection: exit code, stdout, stderr, duration", async () => {
    const session = await SshSession.open(sshTargetOf(host));
    try {
      const a = await session.exec("echo out; echo err >&2; exit 3");
      expect(a).toMatchObject({
        exitCode: 3,
        signal: null,
        stdout: "out\n",
        stderr: "err\n",
        timedOut: false,
      });
      expect(a.durationMs).toBeGreaterThanOrEqual(0);
      const [b, c] = await Promise.all([
        session.exec("id -un"),
        session.exec(host.helper("version")),
      ]);
      expect(b.stdout.trim()).toBe(host.user);
      expect(c.exitCode).toBe(0);
    } finally {
      session.close();
    }
  });

  it("refuses a host whose key is not the pinned one, before anything runs", async () => {
    const log = path.join(host.dir, "log", "sshd.log");
    const accepted = async () =>
      ((await readFile(log, "utf8")).match(/Accepted publickey/g) ?? []).length;
    const before = await accepted();
    const wrong = "SHA256:fbvWx7tccquu6uGYCHfGJ2+D72nEbtHlzoDn8lodc9k";
    const error = await rejection(SshSession.open(sshTargetOf(host, { hostKey: wrong })));
    expect(error.code).toBe("host-key-mismatch");
    expect(error.message).toContain(wrong);
    expect(error.message).toContain(host.record.hostKeyFingerprint);
    expect(error.details.actualFingerprint).toBe(host.record.hostKeyFingerprint);
    // sshd logged no login for that connection: the bot never authenticated.
    expect(await accepted()).toBe(before);
  });

  it("classifies a wrong user as auth-failed", async () => {
    const error = await rejection(SshSession.open(sshTargetOf(host, { user: "nobody" })));
    expect(error.code).toBe("auth-failed");
  });

  it("classifies a closed port as refused", async () => {
    const error = await rejection(SshSession.open(sshTargetOf(host, { port: 1 })));
    expect(error.code).toBe("refused");
  });

  it("gives up on a server that never speaks SSH after the connect timeout", async () => {
    const silent: Server = createServer(() => {}).listen(0, "127.0.0.1");
    await new Promise((r) => silent.once("listening", r));
    const port = (silent.address() as { port: number }).port;
    try {
      const error = await rejection(
        SshSession.open(sshTargetOf(host, { address: "127.0.0.1", port }), {
          connectTimeoutMs: 500,
        }),
      );
      expect(error.code).toBe("timeout");
    } finally {
      silent.close();
    }
  });

  it("keeps the head and tail of a runaway output", async () => {
    const session = await SshSession.open(sshTargetOf(host));
    try {
      const result = await session.exec("seq 1 200000", { maxOutputBytes: 4096 });
      expect(result.exitCode).toBe(0);
      expect(result.omittedBytes).toBeGreaterThan(1_000_000);
      expect(result.stdout.startsWith("1\n2\n3\n")).toBe(true);
      expect(result.stdout.endsWith("199999\n200000\n")).toBe(true);
    } finally {
      session.close();
    }
  });

  it("stops a command at its timeout, and no yum is left running on the host", async () => {
    // A prefetch from a mirror slow enough to take a minute (8 MiB at 128 KiB/s).
    const server = await startLabRepoServer({ bytesPerSecond: 128 * 1024 });
    await host.publish("2.25.0", { baseUrl: server.url });
    const session = await SshSession.open(sshTargetOf(host));
    try {
      const prefetch = host.helper(`prefetch ${kcmPackageSpecs("standalone", "2.25.0").join(" ")}`);
      const result = await session.exec(prefetch, { timeoutMs: 2500 });
      expect(result.timedOut).toBe(true);
      // sshd delivered the signal; sudo passed it on to yum, which the helper exec'd.
      expect(result.signal).toBe("SIGTERM");
      const yums = (await listProcesses()).filter((p) =>
        p.cmdline.includes(`--installroot=${host.root}`),
      );
      expect(yums).toEqual([]);
    } finally {
      session.close();
      await host.publish("2.25.0");
      await server.stop();
    }
  });

  it("reports a connection dropped mid-command, with what it had printed", async () => {
    const session = await SshSession.open(sshTargetOf(host));
    try {
      const running = rejection(session.exec("echo started; sleep 30; echo finished"));
      await new Promise((r) => setTimeout(r, 500));
      await host.killSshd();
      const error = await running;
      expect(error.code).toBe("dropped");
      expect(error.details.partial?.stdout).toBe("started\n");
      await expect(session.exec("true")).rejects.toMatchObject({ code: "dropped" });
    } finally {
      session.close();
      await host.startSshd();
    }
  });

  it("notices a peer that stops answering, by its keepalives", async () => {
    const session = await SshSession.open(sshTargetOf(host), { keepaliveIntervalMs: 200 });
    let frozen: number[] = [];
    try {
      const running = rejection(session.exec("sleep 30"));
      // Once the command runs, the connection's sshd processes are all there.
      await new Promise((r) => setTimeout(r, 300));
      frozen = (await listProcesses())
        .filter((p) => p.cmdline.startsWith(`sshd: ${host.user}`))
        .map((p) => p.pid);
      expect(frozen.length).toBe(2);
      for (const pid of frozen) process.kill(pid, "SIGSTOP");
      const error = await running;
      expect(error.code).toBe("dropped");
    } finally {
      for (const pid of frozen) process.kill(pid, "SIGCONT");
      session.close();
    }
  });
});
