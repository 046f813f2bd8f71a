import { parseInventory } from "../../src/config/parse-inventory.js";
import {
  makeUpgradePlan,
  type PackageChange,
  type UpgradePlan,
} from "../../src/domain/upgrade-plan.js";
import {
  type ApprovalPolicy,
  type NewRequestInput,
  newRequest,
  type UpgradeRequest,
} from "../../src/domain/upgrade-request.js";
import type { HostCheck, PendingChange } from "../../src/kcm/host-check.js";
import type { CheckInput, PlanInput } from "../../src/requests/ports.js";
import { MemoryHostChecker } from "./in-memory-ports.js";

/**
 * The fleet the unit tests of requests, listeners and processors share: its
 * inventory, its people, a fixed clock, what yum has pending, and a request
 * as the store holds it.
 */

/** The bot's channel. */
export const CHANNEL = "C0KCMOPS01";
/** A channel the bot is in but takes no commands in. */
export const OTHER_CHANNEL = "C0OTHER01";
/** Asks for upgrades. */
export const ALICE = "U0ALICE";
/** Approves; not on the requesters list. */
export const BOB = "U0BOB";
/** Asks for upgrades; does not approve. */
export const CAROL = "U0CAROL";
/** Approves, and asks. */
export const DAVE = "U0DAVE";
/** In the channel, nothing more. */
export const EVE = "U0EVE";

/**
 * web1 (standalone) and web2 (tomcat), the `web` group, have a nightly window:
 * 02:00–05:00 in Berlin, 01:00–04:00 UTC in November. lab1 has no window and
 * no pinned layout. Bob and Dave approve; Alice, Carol and Dave may ask.
 */
export const SAMPLE_INVENTORY = parseInventory(
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
slack:
  channels: [${CHANNEL}]
  approvers: [${BOB}, ${DAVE}]
  requesters: [${ALICE}, ${CAROL}, ${DAVE}]
`,
  "sample-fleet",
);

/** Who approves the sample fleet's requests (as its slack section says), and when they expire. */
export const SAMPLE_POLICY: ApprovalPolicy = { approvers: new Set([BOB, DAVE]), expiryMinutes: 60 };

/** Thursday 26 Nov 2026, 13:00 in Berlin: outside the nightly window. */
export const T0 = new Date("2026-11-26T12:00:00.000Z");

/** The time `minutes` after T0. */
export const afterT0 = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

/** kcm-guacd from 2.23.1 to 2.24.1: one package's change, as a plan or an outcome lists it. */
export const GUACD_CHANGE: PackageChange = {
  name: "kcm-guacd",
  arch: "x86_64",
  from: { epoch: 0, version: "2.23.1", release: "1.el8" },
  to: { epoch: 0, version: "2.24.1", release: "1.el8" },
};

/** What yum says is pending on every sample host: two packages, from 2.23.1 to 2.24.1. */
export const SAMPLE_PENDING: PendingChange[] = [
  { ...GUACD_CHANGE, repo: "kcm" },
  {
    name: "kcm-guacamole",
    arch: "noarch",
    from: { epoch: 0, version: "2.23.1", release: "1.el8" },
    to: { epoch: 0, version: "2.24.1", release: "1.el8" },
    repo: "kcm",
  },
];

/** A host with {@link SAMPLE_PENDING} pending, as a check over SSH finds it. */
export function pendingCheck(host: string): HostCheck {
  return {
    host,
    durationMs: 850,
    kcmVersion: "2.23.1-1.el8",
    pending: SAMPLE_PENDING,
    problems: [],
  };
}

/** A checker that finds {@link SAMPLE_PENDING} on every host of the sample inventory. */
export function pendingChecker(): MemoryHostChecker {
  const checker = new MemoryHostChecker();
  for (const host of SAMPLE_INVENTORY.hosts)
    checker.results.set(host.name, pendingCheck(host.name));
  return checker;
}

/** The plan of `host` for {@link SAMPLE_PENDING}. */
export function samplePlan(host: string): UpgradePlan {
  return makeUpgradePlan(host, SAMPLE_PENDING);
}

/** The id of {@link sampleRequest}. */
export const SAMPLE_REQUEST_ID = "r-0k3j9x2a";

/**
 * Alice's pending upgrade of web1 (or of `overrides.host`) made at `createdAt`
 * (expiring 60 minutes later), in the next nightly window after T0.
 */
export function sampleRequest(
  overrides: Partial<NewRequestInput> = {},
  createdAt: Date = T0,
): UpgradeRequest {
  const host = overrides.host ?? "web1";
  return newRequest(
    {
      id: SAMPLE_REQUEST_ID,
      kind: "upgrade",
      host,
      plan: samplePlan(host),
      requestedBy: ALICE,
      channel: CHANNEL,
      when: { kind: "next-window" },
      runWindow: { start: new Date("2026-11-27T01:00:00Z"), end: new Date("2026-11-27T04:00:00Z") },
      emergency: false,
      ...overrides,
    },
    SAMPLE_POLICY,
    createdAt,
  );
}

/** The response URL of the sample commands: where the worker tells Alice privately. */
export const RESPONSE_URL = "https://hooks.slack.com/commands/T0KCM/1234/abcd";

/** `/kcm upgrade web1` typed by Alice, as the worker gets it. */
export const samplePlanInput = (changes: Partial<PlanInput> = {}): PlanInput => ({
  requestKind: "upgrade",
  host: "web1",
  when: { kind: "next-window" },
  requestedBy: ALICE,
  channel: CHANNEL,
  triggerId: "1234.5678.aaaa",
  responseUrl: RESPONSE_URL,
  ...changes,
});

/** `/kcm check web` typed by Alice, as the worker gets it. */
export const sampleCheckInput = (changes: Partial<CheckInput> = {}): CheckInput => ({
  target: "web",
  requestedBy: ALICE,
  channel: CHANNEL,
  triggerId: "4321.8765.bbbb",
  responseUrl: RESPONSE_URL,
  ...changes,
});
