import { afterAll, beforeAll, expect, it } from "vitest";
import { createLabHost, type LabHost } from "../../lab/lab.js";
import { describeLab } from "../../support/describe-lab.js";

// yum as the bot runs it: over OpenSSH, through the host helper.
describeLab("yum on a lab host, over OpenSSH", () => {
  let host: LabHost;

  beforeAll(async () => {
    host = await createLabHost({ release: "2.23.1" });
  });
  afterAll(async () => {
    await host?.destroy();
  });

  it("reports nothing pending as dnf does: 'No matching Packages to list', exit 1", async () => {
    const result = await host.ssh(host.helper("list-updates"));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Error: No matching Packages to list");
    expect(result.stdout).not.toContain("Available Upgrades");
  });

  it("lists a published release's packages under 'Available Upgrades'", async () => {
    await host.publish("2.24.1");
    const result = await host.ssh(host.helper("list-updates"));
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n");
    const header = lines.indexOf("Available Upgrades");
    expect(header).toBeGreaterThanOrEqual(0);
    const listed = lines.slice(header + 1).filter(Boolean);
    expect(listed).toContainEqual(
      expect.stringMatching(/^kcm-guacd\.x86_64\s+2\.24\.1-1\.el8\s+kcm-2\.24\.1$/),
    );
    // The epoch package shows its epoch; the long name is longer than 40 characters.
    expect(listed).toContainEqual(
      expect.stringMatching(/^kcm-guacamole-auth-ldap\.noarch\s+1:2\.24\.1-1\.el8\s/),
    );
    expect(listed).toContainEqual(
      expect.stringMatching(/^kcm-guacamole-auth-sso-saml-and-openid-connect\.noarch\s/),
    );
    expect(listed).toHaveLength(9);
  });

  it("wraps the long package name onto two lines on a narrow terminal, as dnf does", async () => {
    const result = await host.ssh(`stty cols 70; ${host.helper("list-updates")}`, { tty: true });
    expect(result.code).toBe(0);
    const lines = result.stdout.replaceAll("\r", "").split("\n");
    // biome-ignore lint/suspicious/noControlCharactersInRegex: dnf colours package names on a terminal.
    const plain = lines.map((l) => l.replace(/\x1b\[[0-9;]*m|\x1b\(B/g, ""));
    const at = plain.findIndex((l) =>
      l.startsWith("kcm-guacamole-auth-sso-saml-and-openid-connect.noarch"),
    );
    expect(plain[at]?.trim()).toBe("kcm-guacamole-auth-sso-saml-and-openid-connect.noarch");
    expect(plain[at + 1]).toMatch(/^\s+2\.24\.1-1\.el8\s+kcm-2\.24\.1$/);
  });

  it("upgrades with `yum upgrade -y`, after which nothing is pending", async () => {
    const upgrade = await host.ssh(host.helperUpgrade("2.24.1"));
    expect(upgrade.code).toBe(0);
    expect(upgrade.stdout).toContain("Complete!");
    const installed = await host.installed();
    expect(installed.get("kcm-guacd")).toBe("2.24.1-1.el8");
    expect(installed.get("kcm-guacamole-auth-ldap")).toBe("1:2.24.1-1.el8");
    expect(installed.size).toBe(9);
    const after = await host.ssh(host.helper("list-updates"));
    expect(after.code).toBe(1);
  });

  it("records the upgrade in yum history", async () => {
    const history = await host.asRoot("yum", ["history", "info", "2"]);
    expect(history.code).toBe(0);
    expect(history.stdout).toMatch(/Transaction ID : 2/);
    expect(history.stdout).toMatch(/Upgrade\s+kcm-guacd-2\.24\.1-1\.el8\.x86_64/);
  });
});
