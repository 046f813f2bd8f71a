import { parseInventory } from "../../../src/config/parse-inventory.js";
import { makeUpgradePlan } from "../../../src/domain/upgrade-plan.js";
import {
  type ApprovalPolicy,
  type NewRequestInput,
  newRequest,
  type UpgradeRequest,
} from "../../../src/domain/upgrade-request.js";
import type { PendingChange } from "../../../src/kcm/host-check.js";

/**
 * What the request use case tests share: an inventory, the people, the
 * policy, a fixed clock and a request as the store holds it.
 */

export const REQUESTER = "UREQ";
export const A1 = "UAPPROVER1";
export const A2 = "UAPPROVER2";
export const OUTSIDER = "UOUTSIDER";
export const policy: ApprovalPolicy = { approvers: new Set([A1, A2]), expiryMinutes: 60 };

/** Thursday 26 Nov 2026, 13:00 in Berlin: outside the nightly window. */
export const T0 = new Date("2026-11-26T12:00:00.000Z");
export const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

/**
 * web1 and web2 have a nightly window (02:00–05:00 Berlin, 01:00–04:00 UTC
 * in November) and pinned layouts; lab1 has no window.
 */
export const inventory = parseInventory(
  `
windows:
  nightly:
    timeZone: Europe/Berlin
    days: [mon, tue, wed, thu, fri, sat, sun]
    start: "02:00"
    durationMinutes: 180
defaults:
  user: kcm
  privateKey: /keys/id_ed25519
hosts:
  - name: web1
    address: 10.0.0.1
    hostKey: SHA256:nLF/WwxaonO/+Fxv8K4yuWHDnLFkkbazJMT3YbBiI2E
    window: nightly
    layout: standalone
  - name: web2
    address: 10.0.0.2
    hostKey: SHA256:B4Y2mrdTBEI2euQk6CojveBY7aBeNyyNMhh1sMtGyRg
    window: nightly
    layout: tomcat
  - name: lab1
    address: 10.0.0.3
    hostKey: SHA256:hJH8vhlQ2OAwF7hi2M25jxXwfRAwQ8XN6b18OFIimvs
groups:
  web: [web1, web2]
`,
  "request-fixtures",
);

/** What yum says is pending on a host: two packages, from 2.23.1 to 2.24.1. */
export const PENDING: PendingChange[] = [
  {
    name: "kcm-guacd",
    arch: "x86_64",
    from: { epoch: 0, version: "2.23.1", release: "1.el8" },
    to: { epoch: 0, version: "2.24.1", release: "1.el8" },
    repo: "kcm",
  },
  {
    name: "kcm-guacamole",
    arch: "noarch",
    from: { epoch: 0, version: "2.23.1", release: "1.el8" },
    to: { epoch: 0, version: "2.24.1", release: "1.el8" },
    repo: "kcm",
  },
];

export const REQUEST_ID = "r-0k3j9x2a";

/** A pending upgrade of web1 made at T0 (expires at T0 + 60 min), in tomorrow's window. */
export function pendingRequest(changes: Partial<NewRequestInput> = {}): UpgradeRequest {
  const host = changes.host ?? "web1";
  return newRequest(
    {
      id: REQUEST_ID,
      kind: "upgrade",
      host,
      plan: makeUpgradePlan(host, PENDING),
      requestedBy: REQUESTER,
      channel: "C0KCMOPS",
      when: { kind: "next-window" },
      runWindow: { start: new Date("2026-11-27T01:00:00Z"), end: new Date("2026-11-27T04:00:00Z") },
      emergency: false,
      ...changes,
    },
    policy,
    T0,
  );
}
