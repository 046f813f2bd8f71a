import { connect } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createLabHost, type LabHost } from "../../lab/lab.js";
import { GUACD_PORT } from "../../lab/lab-packages.js";
import { describeLab } from "../../support/describe-lab.js";

function portOpen(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describeLab("systemctl on lab hosts (systemd 239's words and exit codes)", () => {
  let standalone: LabHost;
  let tomcat: LabHost;

  beforeAll(async () => {
    [standalone, tomcat] = await Promise.all([
      createLabHost({ release: "2.23.1", publish: ["2.24.0"] }),
      createLabHost({ release: "2.23.1", layout: "tomcat" }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([standalone?.destroy(), tomcat?.destroy()]);
  });

  it("tells the layouts apart by the guacamole unit", async () => {
    const a = await standalone.ssh(
      "systemctl show -p LoadState guacamole; systemctl list-unit-files",
    );
    expect(a.stdout).toContain("LoadState=loaded");
    expect(a.stdout).toMatch(/^guacamole\.service\s+enabled\s*$/m);
    expect(a.stdout).toMatch(/^\d+ unit files listed\.$/m);
    const b = await tomcat.ssh("systemctl show -p LoadState guacamole; systemctl list-unit-files");
    expect(b.stdout).toContain("LoadState=not-found");
    expect(b.stdout).toMatch(/^tomcat\.service\s+enabled\s*$/m);
    expect(b.stdout).not.toContain("guacamole.service");
  });

  it("stops real processes: ports close, is-active says inactive with exit 3", async () => {
    expect(await portOpen(standalone.address, GUACD_PORT)).toBe(true);
    const stop = await standalone.ssh(standalone.helper("stop standalone"));
    expect(stop.code).toBe(0);
    expect(await portOpen(standalone.address, GUACD_PORT)).toBe(false);
    await expect(standalone.webStatus()).rejects.toThrow();
    const state = await standalone.ssh("systemctl is-active guacamole guacd");
    expect(state.stdout).toBe("inactive\ninactive\n");
    expect(state.code).toBe(3);
  });

  it("starts the new version after an upgrade, which the web unit reports", async () => {
    const before = await tomcat.webStatus();
    expect(before).toMatchObject({ unit: "tomcat", version: "2.23.1-1.el8" });
    await tomcat.publish("2.24.0");
    // Keeper's procedure, through the host helper as the bot runs it.
    const run = await tomcat.ssh(
      `${tomcat.helper("stop tomcat")} && ${tomcat.helperUpgrade("2.24.0")} && ${tomcat.helper("start tomcat")}`,
    );
    expect(run.code).toBe(0);
    expect(await tomcat.webStatus()).toMatchObject({ unit: "tomcat", version: "2.24.0-1.el8" });
    expect(await tomcat.unitState("guacd")).toBe("active");
  });

  it("an upgrade without a restart leaves the old version running", async () => {
    await standalone.ssh(standalone.helper("start standalone"));
    const pid = (await standalone.webStatus()).pid;
    expect((await standalone.ssh(standalone.helperUpgrade("2.24.0"))).code).toBe(0);
    expect(await standalone.webStatus()).toMatchObject({ pid, version: "2.23.1-1.el8" });
  });

  it("refuses a unit that is not there: 'not loaded', exit 5", async () => {
    // As root on the host: the helper names the units by layout, so it never asks for these.
    const result = await standalone.asRoot("systemctl", ["stop", "tomcat", "guacd"]);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain(
      "Failed to stop tomcat.service: Unit tomcat.service not loaded.",
    );
    const start = await tomcat.asRoot("systemctl", ["start", "guacamole"]);
    expect(start.code).toBe(5);
    expect(start.stderr).toContain("Unit guacamole.service not found.");
  });

  it("fails the next start on demand, once, with systemd's message", async () => {
    await tomcat.ssh(tomcat.helper("stop tomcat"));
    await tomcat.fault("start-fails", "tomcat");
    const start = await tomcat.ssh(tomcat.helper("start tomcat"));
    expect(start.code).toBe(1);
    expect(start.stderr).toContain(
      "Job for tomcat.service failed because the control process exited with error code.",
    );
    const state = await tomcat.ssh("systemctl is-active tomcat guacd");
    expect(state.stdout).toBe("failed\nactive\n");
    expect(state.code).toBe(0);
    const again = await tomcat.asRoot("systemctl", ["start", "tomcat"]);
    expect(again.code).toBe(0);
    expect(await tomcat.unitState("tomcat")).toBe("active");
  });

  it("needs root to stop a unit", async () => {
    const result = await tomcat.ssh("systemctl stop guacd");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Interactive authentication required.");
    expect(await tomcat.unitState("guacd")).toBe("active");
  });
});
