import { describe, expect, it } from "vitest";
import { type FleetState, fleetNotice, QUIET_FLEET } from "../../../src/domain/fleet-notice.js";

const HOSTS = ["web1", "web2", "web3", "legacy"];
const state = (pending: FleetState["pending"], failing: FleetState["failing"] = {}) => ({
  pending,
  failing,
});

describe("fleetNotice: only what changed", () => {
  it("a release newly pending, grouped by the version each host would get", () => {
    const now = state({ web2: "2.24.1-1.el8", web1: "2.24.1-1.el8", legacy: "2.23.2-1.el8" });
    expect(fleetNotice(QUIET_FLEET, now, HOSTS)).toEqual({
      releases: [
        { version: "2.23.2-1.el8", hosts: ["legacy"] },
        { version: "2.24.1-1.el8", hosts: ["web1", "web2"] },
      ],
      failing: [],
      recovered: [],
    });
  });

  it("nothing changed: no notice; the same release still pending is no news", () => {
    const now = state({ web1: "2.24.1-1.el8" }, { web3: "refused" });
    expect(fleetNotice(now, now, HOSTS)).toBeUndefined();
    expect(fleetNotice(QUIET_FLEET, QUIET_FLEET, HOSTS)).toBeUndefined();
  });

  it("a newer release on a host that already waited for one is news; an upgrade done is not", () => {
    const before = state({ web1: "2.24.1-1.el8", web2: "2.24.1-1.el8" });
    const now = state({ web1: "2.25.0-1.el8" });
    expect(fleetNotice(before, now, HOSTS)?.releases).toEqual([
      { version: "2.25.0-1.el8", hosts: ["web1"] },
    ]);
  });

  it("a host newly failing, failing for a new reason, and one recovered", () => {
    const before = state({}, { web1: "refused", web2: "yum-lock" });
    const now = state({}, { web2: "repo-unreachable", web3: "refused" });
    expect(fleetNotice(before, now, HOSTS)).toEqual({
      releases: [],
      failing: [
        { host: "web2", reason: "repo-unreachable" },
        { host: "web3", reason: "refused" },
      ],
      recovered: ["web1"],
    });
  });

  it("a failing host that left the inventory has not recovered", () => {
    const before = state({}, { gone: "refused" });
    expect(fleetNotice(before, QUIET_FLEET, HOSTS)).toBeUndefined();
  });
});
