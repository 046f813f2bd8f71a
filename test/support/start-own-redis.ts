import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { freePort } from "./free-port.js";

/** A redis-server of a test's own, on a free loopback port. */
export interface OwnRedis {
  url: string;
  port: number;
  /** Its folder: the append-only file lives there. */
  dir: string;
  /** The running server's pid, if it runs. */
  readonly pid: number | undefined;
  /** Kills the server (SIGKILL by default), as a crash would; its folder stays. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and folder (an AOF is read back), unless it runs; resolves once it answers. */
  restart(): Promise<void>;
  /** Stops the server (by its pid) and removes its folder. */
  stop(): Promise<void>;
}

/** Resolves once something answers PING at the port. */
export async function waitForRedis(port: number): Promise<void> {
  const probe = new Redis(port, "127.0.0.1", {
    retryStrategy: () => 50,
    maxRetriesPerRequest: null,
  });
  probe.on("error", () => {});
  try {
    await probe.ping();
  } finally {
    probe.disconnect();
  }
}

/**
 * Starts a redis-server with `args` (e.g. `--maxmemory-policy allkeys-lru`,
 * or `--appendonly yes` for one that survives `kill` and `restart`), for
 * tests that need a configuration, or an outage, the shared test Redis must
 * never be given. Resolves once it answers PING.
 */
export async function startOwnRedis(args: string[] = []): Promise<OwnRedis> {
  const dir = await mkdtemp(path.join(tmpdir(), "kcm-own-redis-"));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  const launch = async () => {
    if (running()) return;
    child = spawn(
      "redis-server",
      ["--bind", "127.0.0.1", "--port", String(port), "--dir", dir, "--save", "", ...args],
      { stdio: "ignore" },
    );
    await waitForRedis(port);
  };
  const kill = async (signal: NodeJS.Signals = "SIGKILL") => {
    const running = child;
    if (running?.pid === undefined || running.exitCode !== null || running.signalCode !== null)
      return;
    const exited = new Promise((r) => running.once("exit", r));
    process.kill(running.pid, signal);
    await exited;
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    get pid() {
      return running() ? child?.pid : undefined;
    },
    kill,
    restart: launch,
    async stop() {
      await kill("SIGTERM");
      await rm(dir, { recursive: true, force: true });
    },
  };
}
