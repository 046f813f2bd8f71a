import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { freePort } from "./free-port.js";
import { waitForRedis } from "./start-own-redis.js";

/** The name the sentinels monitor the primary by. */
export const SENTINEL_NAME = "kcm";

/** Redis with Sentinel on loopback: a primary, a replica and three sentinels. */
export interface RedisSentinelSet {
  /** `REDIS_SENTINELS`: the sentinels' `host:port`, comma-separated. */
  sentinels: string;
  /** The sentinels' addresses, for ioredis. */
  sentinelAddresses: { host: string; port: number }[];
  /** The port of the server that is primary now, as the sentinels say. */
  primaryPort(): Promise<number>;
  /**
   * Kills the primary (SIGKILL) and waits until the sentinels have promoted
   * the replica; resolves with the new primary's port. The old primary
   * stays down.
   */
  failOver(): Promise<number>;
  /** Stops every process (by pid) and removes their folders. */
  stop(): Promise<void>;
}

const SENTINEL_CONF = (port: number, primaryPort: number, dir: string) =>
  [
    "bind 127.0.0.1",
    `port ${port}`,
    `dir ${dir}`,
    // Two of three must agree that the primary is down; a second without answers is down.
    `sentinel monitor ${SENTINEL_NAME} 127.0.0.1 ${primaryPort} 2`,
    `sentinel down-after-milliseconds ${SENTINEL_NAME} 1000`,
    `sentinel failover-timeout ${SENTINEL_NAME} 10000`,
    `sentinel parallel-syncs ${SENTINEL_NAME} 1`,
    "",
  ].join("\n");

/**
 * Starts Debian's redis-server twice (the primary; a replica of it) and
 * redis-sentinel three times, on free loopback ports, each with AOF on and
 * `noeviction` as production needs; resolves once the sentinels know the
 * replica.
 */
export async function startRedisSentinel(): Promise<RedisSentinelSet> {
  const root = await mkdtemp(path.join(tmpdir(), "kcm-sentinel-"));
  const children: ChildProcess[] = [];
  const [primaryPort, replicaPort, ...sentinelPorts] = await Promise.all(
    Array.from({ length: 5 }, () => freePort()),
  );
  const server = async (name: string, port: number, extra: string[]) => {
    const dir = path.join(root, name);
    await mkdir(dir);
    const child = spawn(
      "redis-server",
      [
        "--bind",
        "127.0.0.1",
        "--port",
        String(port),
        "--dir",
        dir,
        "--appendonly",
        "yes",
        "--maxmemory-policy",
        "noeviction",
        "--save",
        "",
        ...extra,
      ],
      { stdio: "ignore" },
    );
    children.push(child);
    await waitForRedis(port);
    return child;
  };
  const primary = await server("primary", primaryPort as number, []);
  await server("replica", replicaPort as number, ["--replicaof", "127.0.0.1", String(primaryPort)]);
  for (const port of sentinelPorts) {
    const dir = path.join(root, `sentinel-${port}`);
    await mkdir(dir);
    const conf = path.join(dir, "sentinel.conf");
    await writeFile(conf, SENTINEL_CONF(port, primaryPort as number, dir));
    children.push(spawn("redis-sentinel", [conf], { stdio: "ignore" }));
    await waitForRedis(port);
  }
  const sentinelAddresses = sentinelPorts.map((port) => ({ host: "127.0.0.1", port }));
  const ask = async () => {
    const client = new Redis(sentinelAddresses[0]?.port as number, "127.0.0.1", {
      maxRetriesPerRequest: 1,
    });
    client.on("error", () => {});
    try {
      const [, port] = (await client.call(
        "SENTINEL",
        "get-master-addr-by-name",
        SENTINEL_NAME,
      )) as [string, string];
      const replicas = (await client.call("SENTINEL", "replicas", SENTINEL_NAME)) as unknown[];
      return { port: Number(port), replicas: replicas.length };
    } finally {
      client.disconnect();
    }
  };
  const until = async (test: () => Promise<boolean>, what: string) => {
    const deadline = Date.now() + 30_000;
    while (!(await test().catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`sentinel: timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await until(async () => (await ask()).replicas === 1, "the sentinels to find the replica");
  return {
    sentinels: sentinelAddresses.map((s) => `${s.host}:${s.port}`).join(","),
    sentinelAddresses,
    primaryPort: async () => (await ask()).port,
    async failOver() {
      const old = (await ask()).port;
      const victim = old === primaryPort ? primary : children[1];
      victim?.kill("SIGKILL");
      await until(async () => (await ask()).port !== old, "a new primary");
      return (await ask()).port;
    },
    async stop() {
      await Promise.all(
        children.map(async (child) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = new Promise((r) => child.once("exit", r));
          child.kill("SIGTERM");
          await exited;
        }),
      );
      await rm(root, { recursive: true, force: true });
    },
  };
}
