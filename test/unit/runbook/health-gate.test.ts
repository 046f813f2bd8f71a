import { describe, expect, it } from "vitest";
import { healthGate } from "../../../src/runbook/health-gate.js";
import { FakeHost } from "../../support/fake-host.js";
import { SAMPLE_INVENTORY, samplePlan } from "../../support/sample-fleet.js";

const web1 = SAMPLE_INVENTORY.hosts.find((h) => h.name === "web1");
if (!web1) throw new Error("web1");

/** The gate over one fake host; the probe answers `probe`. */
function gateOver(host: FakeHost, probe = { ok: true, detail: "" }) {
  const probed: string[] = [];
  const gate = healthGate({
    connect: host.connect,
    commandTimeoutMs: 5000,
    probe: async (h) => {
      probed.push(h.name);
      return probe;
    },
  });
  return { gate, probed };
}

describe("healthGate", () => {
  it("passes a host whose units are active, without root and without yum", async () => {
    const host = new FakeHost("req-gate", samplePlan("web1"));

    expect(await gateOver(host).gate.check([web1])).toEqual([]);
    expect(host.commands.every((c) => !c.includes("sudo") && !c.includes("yum"))).toBe(true);
  });

  it("fails a host whose services are down, naming the units", async () => {
    const host = new FakeHost("req-gate", samplePlan("web1"));
    host.servicesUp = false;

    const [failure] = await gateOver(host).gate.check([web1]);

    expect(failure?.host).toBe("web1");
    expect(failure?.problem).toMatch(
      /^guacamole is (inactive|failed), guacd is (inactive|failed)$/,
    );
  });

  it("fails a host that does not answer, in the connection's words", async () => {
    const host = new FakeHost("req-gate", samplePlan("web1"));
    host.failConnects = 1;

    expect(await gateOver(host).gate.check([web1])).toEqual([
      { host: "web1", problem: "kcm-1: refused" },
    ]);
  });

  it("runs the probe only where the inventory configures one, and fails on it", async () => {
    const host = new FakeHost("req-gate", samplePlan("web1"));
    const probing = { ...web1, health: { webUrl: "http://10.0.0.1:8080/" } };
    const { gate, probed } = gateOver(host, { ok: false, detail: "HTTP 502" });

    expect(await gate.check([web1])).toEqual([]);
    expect(await gate.check([probing])).toEqual([{ host: "web1", problem: "probe: HTTP 502" }]);
    expect(probed).toEqual(["web1"]);
  });
});
