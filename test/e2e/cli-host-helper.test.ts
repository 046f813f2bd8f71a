import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { readHostHelper } from "../../src/kcm/read-host-helper.js";
import { createLabHost, type LabHost } from "../lab/lab.js";
import { labInventoryYaml } from "../lab/lab-inventory.js";
import { runCommand } from "../lab/run-command.js";
import { describeLab } from "../support/describe-lab.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function cli(args: string[], env: Record<string, string> = {}) {
  return runCommand(path.join(ROOT, "node_modules/.bin/tsx"), ["src/cli/kcm-chatops.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
}

describeLab("kcm-chatops host-helper: the administrator's install script", () => {
  let host: LabHost;
  let dir: string;

  beforeAll(async () => {
    host = await createLabHost({ name: "fresh", release: "2.23.1" });
    dir = await mkdtemp(path.join(tmpdir(), "kcm-install-"));
  });
  afterAll(async () => {
    await rm("/etc/sudoers.d/kcm-chatops", { force: true });
    await host?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("--script prints the helper byte for byte", async () => {
    const printed = await cli(["host-helper", "--script"]);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toBe(readHostHelper().text);
  });

  it("installs the helper and its sudoers on a host that had neither; doctor then passes it", async () => {
    // A fresh host: no sudo rights at all, no helper where the script will put it.
    await rm(`/etc/sudoers.d/${host.user}`);
    expect((await host.ssh(host.helper("version"))).code).toBe(1);
    const target = path.join(host.dir, "opt", "kcm-chatops", "kcm-host");
    const printed = await cli(["host-helper", "--user", host.user, "--path", target]);
    expect(printed.code).toBe(0);
    expect(printed.stdout.split("\n")[0]).toBe(`# kcm-host ${readHostHelper().sha256}`);
    // As the administrator runs it: saved, then `sudo sh install-kcm-host.sh`.
    const script = path.join(dir, "install-kcm-host.sh");
    await writeFile(script, printed.stdout);
    const installed = await runCommand("sh", [script]);
    expect(installed.stderr).toBe("");
    expect(installed.code).toBe(0);
    expect(installed.stdout).toBe(
      `${target}: OK\n/etc/sudoers.d/kcm-chatops.new: parsed OK\nkcm-host 1\n`,
    );
    expect(await readFile(target, "utf8")).toBe(readHostHelper().text);

    const version = await host.ssh(`sudo -n ${target} version`);
    expect(version).toMatchObject({ code: 0, stdout: "kcm-host 1\n" });
    const inventory = path.join(dir, "inventory.yml");
    await writeFile(
      inventory,
      labInventoryYaml([host]).replace(`helperPath: ${host.helperPath}`, `helperPath: ${target}`),
    );
    const doctor = await cli(["doctor"], { KCM_INVENTORY: inventory, REDIS_URL: "" });
    expect(doctor.stdout).toContain(`  ✓ helper: ${target}: root's, out of ${host.user}'s reach`);
    expect(doctor.stdout).toContain(
      "  ✓ sudo: the host helper's 12 subcommands run as root without a password, and nothing else",
    );
  });

  it("refuses a path or account a shell would misread, changing nothing", async () => {
    for (const args of [
      ["--path", "/opt/kcm host"],
      ["--path", "relative/kcm-host"],
      ["--user", "bob; id"],
    ]) {
      const refused = await cli(["host-helper", ...args]);
      expect(refused.code, args.join(" ")).toBe(2);
      expect(refused.stdout).toBe("");
      expect(refused.stderr).toMatch(/^kcm-chatops: --(path|user): /);
    }
  });

  it("sudoers --direct-sudo says it is root-equivalent", async () => {
    const direct = await cli(["sudoers", "--user", "kcm-bot", "--direct-sudo"]);
    expect(direct.code).toBe(0);
    expect(direct.stdout).toContain("# privilege: direct-sudo is ROOT-EQUIVALENT");
    expect(direct.stdout).toContain("/usr/bin/yum --setopt\\=exit_on_lock\\=True upgrade -y kcm-*");
  });
});
