import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";

/** A redis-server of a test's own, on a free loopback port. */
export interface OwnRedis {
  url: string;
  /** Stops the server (by its pid) and removes its folder. */
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/**
 * Starts a redis-server with `args` (e.g. `--maxmemory-policy allkeys-lru`),
 * for tests that need a configuration the shared test Redis must never be
 * given. Resolves once it answers PING.
 */
export async function startOwnRedis(args: string[] = []): Promise<OwnRedis> {
  const dir = await mkdtemp(path.join(tmpdir(), "kcm-own-redis-"));
  const port = await freePort();
  const child: ChildProcess = spawn(
    "redis-server",
    ["--bind", "127.0.0.1", "--port", String(port), "--dir", dir, "--save", "", ...args],
    { stdio: "ignore" },
  );
  const url = `redis://127.0.0.1:${port}`;
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
  return {
    url,
    async stop() {
      if (child.pid !== undefined && child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        process.kill(child.pid, "SIGTERM");
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
