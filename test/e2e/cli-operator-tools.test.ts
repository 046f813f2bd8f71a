import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parseInventory } from "../../src/config/parse-inventory.js";
import { RedisAuditLog } from "../../src/store/redis-audit-log.js";
import { createLabHost, type LabHost } from "../lab/lab.js";
import { labInventoryYaml } from "../lab/lab-inventory.js";
import { runCommand } from "../lab/run-command.js";
import { describeLabWithRedis } from "../support/describe-lab-with-redis.js";
import { freePort } from "../support/free-port.js";
import { testStoreKeys } from "../support/test-store-keys.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The CLI as an operator runs it: its own process, with these variables. */
function cli(args: string[], env: Record<string, string> = {}) {
  return runCommand(path.join(ROOT, "node_modules/.bin/tsx"), ["src/cli/kcm-chatops.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
}

describeLabWithRedis("kcm-chatops keyscan, doctor and audit, as processes", (redisUrl) => {
  const { prefix, keys, deleteAll } = testStoreKeys();
  let host: LabHost;
  let redis: Redis;
  let dir: string;
  let inventory: string;

  beforeAll(async () => {
    host = await createLabHost({ name: "ops-1", release: "2.23.1" });
    redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    dir = await mkdtemp(path.join(tmpdir(), "kcm-ops-"));
    inventory = path.join(dir, "inventory.yml");
    await writeFile(inventory, labInventoryYaml([host]));
  });
  afterAll(async () => {
    await host?.destroy();
    await deleteAll(redis);
    await redis.quit();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("keyscan prints the hostKey line to pin, which the inventory accepts as it is", async () => {
    const result = await cli(["keyscan", host.address, "--port", String(host.port)]);
    expect(result.code).toBe(0);
    const today = new Date().toISOString().slice(0, 10);
    expect(result.stdout).toBe(
      `hostKey: ${host.record.hostKeyFingerprint} # ssh-ed25519, ${host.address}:${host.port}, scanned ${today}\n`,
    );
    expect(result.stderr).toContain("ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub");
    expect(result.stderr).toContain(`must print ${host.record.hostKeyFingerprint}.`);
    // Pasted over the pin's line, it pins the same key.
    const pasted = labInventoryYaml([host]).replace(
      `hostKey: ${host.record.hostKeyFingerprint}`,
      result.stdout.trim(),
    );
    expect(pasted).toContain("# ssh-ed25519");
    expect(parseInventory(pasted, "pasted.yml").hosts[0]?.hostKey).toBe(
      host.record.hostKeyFingerprint,
    );
  });

  it("keyscan says why it could not get a key, exit 1; bad input exit 2", async () => {
    // Nothing listens on a free port.
    const port = await freePort();
    const refused = await cli(["keyscan", "127.0.0.1", "--port", String(port)]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toBe(
      `kcm-chatops keyscan: 127.0.0.1:${port}: connection refused (is sshd running on that port?)\n`,
    );
    const unknown = await cli(["keyscan", "no-such-host.invalid"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(
      /no-such-host\.invalid:22: cannot reach the host \((ENOTFOUND|EAI_AGAIN)\)/,
    );
    const hostile = await cli(["keyscan", "127.0.0.1;id"]);
    expect(hostile.code).toBe(2);
    expect(hostile.stderr).toContain("usage:");
  });

  it("doctor checks the lab host and Redis: exit 0, and exit 1 once the host is down", async () => {
    const env = { KCM_INVENTORY: inventory, REDIS_URL: redisUrl };
    const good = await cli(["doctor"], env);
    expect(good.code).toBe(0);
    expect(good.stdout).toContain(
      "  ✓ sudo: the host helper's 12 subcommands run as root without a password, and nothing else",
    );
    expect(good.stdout.trimEnd().split("\n").at(-1)).toBe("All 11 checks passed.");
    expect(good.stderr).toBe("checked ops-1 (1/1)\n");
    await host.killSshd();
    try {
      const down = await cli(["doctor", "--json"], env);
      expect(down.code).toBe(1);
      expect(JSON.parse(down.stdout).ok).toBe(false);
    } finally {
      await host.startSshd();
    }
  });

  it("audit export prints JSON lines and audit verify checks the chain", async () => {
    const log = new RedisAuditLog(redis, keys);
    for (const what of ["requested", "approved", "job-started"]) {
      await log.append({ requestId: "r-0000000a", host: "ops-1", who: "U0ALICE", what });
    }
    const env = { REDIS_URL: redisUrl, KCM_REDIS_PREFIX: prefix };
    const exported = await cli(["audit", "export"], env);
    expect(exported.code).toBe(0);
    const lines = exported.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.what)).toEqual(["requested", "approved", "job-started"]);
    expect(lines[1].prev).toBe(lines[0].hash);

    const verified = await cli(["audit", "verify"], env);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain(`OK: 3 entries in ${keys.audit}, the chain intact\n`);

    await redis.xdel(keys.audit, lines[1].id);
    const broken = await cli(["audit", "verify"], env);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain(
      `FAILED: deleted: the chain breaks between ${lines[0].id} and ${lines[2].id}`,
    );
  });
});
