import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createLabHost, type LabHost } from "../lab/lab.js";
import { labInventoryYaml } from "../lab/lab-inventory.js";
import { runCommand } from "../lab/run-command.js";
import { describeLab } from "../support/describe-lab.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The CLI as an operator runs it: its own process, reading KCM_INVENTORY. */
function cli(args: string[], inventory: string) {
  return runCommand(path.join(ROOT, "node_modules/.bin/tsx"), ["src/cli/kcm-chatops.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, KCM_INVENTORY: inventory },
  });
}

describeLab("kcm-chatops check, the operators' CLI", () => {
  let hosts: LabHost[];
  let dir: string;
  let inventory: string;

  beforeAll(async () => {
    hosts = await Promise.all([
      createLabHost({ name: "web-1", release: "2.23.1", publish: ["2.24.1"] }),
      createLabHost({ name: "web-2", release: "2.24.1", layout: "tomcat" }),
    ]);
    dir = await mkdtemp(path.join(tmpdir(), "kcm-cli-"));
    inventory = path.join(dir, "inventory.yml");
    await writeFile(inventory, labInventoryYaml(hosts, { groups: { web: ["web-1", "web-2"] } }));
  });
  afterAll(async () => {
    await Promise.all(hosts.map((h) => h.destroy()));
    await rm(dir, { recursive: true, force: true });
  });

  it("prints a table: one line per host, pending packages from → to", async () => {
    const result = await cli(["check", "web"], inventory);
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toMatch(/^HOST\s+LAYOUT\s+KCM\s+SESSIONS\s+PENDING$/);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^web-1\s+standalone\s+2\.23\.1-1\.el8\s+0\s+9 packages → 2\.24\.1-1\.el8$/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^web-2\s+tomcat\s+2\.24\.1-1\.el8\s+0\s+up to date$/),
    );
    expect(lines).toContain("    kcm-guacamole-auth-ldap 1:2.23.1-1.el8 → 1:2.24.1-1.el8");
  });

  it("prints JSON with --json", async () => {
    const result = await cli(["check", "web-1", "--json"], inventory);
    expect(result.code).toBe(0);
    const [check] = JSON.parse(result.stdout);
    expect(check).toMatchObject({ host: "web-1", layout: "standalone", sessions: 0, problems: [] });
    expect(check.pending).toHaveLength(9);
  });

  it("exits 1 when a host has a problem, and names it", async () => {
    await hosts[1]?.fault("sudo-password");
    try {
      const result = await cli(["check", "all"], inventory);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/^web-2\s+tomcat\s+2\.24\.1-1\.el8\s+0\s+ERROR$/m);
      expect(result.stdout).toContain("sudo: a password is required");
    } finally {
      await hosts[1]?.fault("sudo-password", false);
    }
  });

  it("refuses an unknown target with a suggestion, and bad input, with exit 2", async () => {
    const unknown = await cli(["check", "web1"], inventory);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no host or group "web1"');
    expect(unknown.stderr).toContain("web-1");
    const hostile = await cli(["check", "web-1; rm -rf /"], inventory);
    expect(hostile.code).toBe(2);
    expect(hostile.stderr).toContain("usage: kcm-chatops check");
  });

  it("refuses an invalid inventory, listing every problem by path", async () => {
    const bad = path.join(dir, "bad.yml");
    await writeFile(bad, "hosts:\n  - name: Web_1\n    address: 127.0.0.1\n    hostKey: nope\n");
    const result = await cli(["check", "all"], bad);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("hosts[0].name");
    expect(result.stderr).toContain("hosts[0].hostKey");
    expect(result.stdout).toBe("");
  });
});
