import { describe, expect, it } from "vitest";
import {
  DEFAULT_HELPER_PATH,
  HELPER_ACCESS,
  hostCommands,
} from "../../../src/kcm/host-commands.js";

const SPECS = ["kcm-guacd-2.24.1-1.el8.x86_64", "kcm-guacamole-auth-ldap-1:2.24.1-1.el8.noarch"];

describe("hostCommands", () => {
  it("privilege: helper sends every root command through the helper, nothing else through sudo", () => {
    const c = hostCommands(HELPER_ACCESS);
    const helper = `sudo -n ${DEFAULT_HELPER_PATH}`;
    expect(c.checkSudo).toBe(`${helper} version`);
    expect(c.listUpdates).toBe(`${helper} list-updates`);
    expect(c.lastTransaction).toBe(`${helper} history-info`);
    expect(c.stopServices("standalone")).toBe(`${helper} stop standalone`);
    expect(c.startServices("tomcat")).toBe(`${helper} start tomcat`);
    expect(c.servicesState("tomcat")).toBe(`${helper} is-active tomcat`);
    expect(c.prefetch(SPECS)).toBe(`${helper} prefetch ${SPECS.join(" ")}`);
    expect(c.describeUpgrade(SPECS)).toBe(`${helper} upgrade ${SPECS.join(" ")}`);
    expect(c.upgrade("req-1", SPECS)).toContain(`${helper} upgrade ${SPECS.join(" ")} > `);
    expect(c.undo("req-1", 7)).toContain(`${helper} history-undo 7 > `);
    for (const command of [c.checkSudo, c.listUpdates, c.prefetch(SPECS), c.undo("req-1", 7)]) {
      expect(command).not.toMatch(/\byum\b|systemctl|--setopt/);
    }
  });

  it("privilege: direct-sudo sudo's yum and systemctl in the C locale, as before the helper", () => {
    const c = hostCommands({ privilege: "direct-sudo", helperPath: DEFAULT_HELPER_PATH });
    expect(c.checkSudo).toBe("sudo -n true");
    expect(c.listUpdates).toBe(
      "LC_ALL=C sudo -n yum --setopt=exit_on_lock=True list updates 'kcm-*'",
    );
    expect(c.stopServices("standalone")).toBe("LC_ALL=C sudo -n systemctl stop guacamole guacd");
    expect(c.servicesState("tomcat")).toBe("LC_ALL=C systemctl is-active tomcat guacd");
    expect(c.describeUndo(3)).toBe(
      "LC_ALL=C sudo -n yum --setopt=exit_on_lock=True history undo -y 3",
    );
  });

  it("refuses a helper path a shell would read twice, and a transaction id that is not one", () => {
    for (const helperPath of [
      "kcm-host",
      "/opt/kcm host",
      "/opt/$(id)/kcm-host",
      "/opt/../tmp/kcm-host",
    ]) {
      expect(() => hostCommands({ privilege: "helper", helperPath })).toThrow(
        /not a plain absolute path/,
      );
    }
    const c = hostCommands(HELPER_ACCESS);
    for (const id of [0, -1, 1.5, Number.NaN]) {
      expect(() => c.undo("req-1", id)).toThrow(/not a transaction id/);
    }
  });
});
