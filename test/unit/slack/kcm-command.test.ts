import { describe, expect, it } from "vitest";
import { KCM_USAGE } from "../../../src/domain/parse-kcm-command.js";
import {
  ALICE,
  BOB,
  CAROL,
  CHANNEL,
  DAVE,
  EVE,
  OTHER_CHANNEL,
  sampleRequest,
} from "../../support/sample-fleet.js";
import { CLICK_TIME, type SlackAppHarness, slackPolicy, useSlackApp } from "./slack-app-harness.js";

const start = useSlackApp();

/** Nothing queued, nothing decided, nothing audited, nobody told anything else. */
function expectNothingChanged(harness: SlackAppHarness) {
  expect(harness.tasks.checks).toEqual([]);
  expect(harness.tasks.plans).toEqual([]);
  expect(harness.jobs.upgrades).toEqual([]);
  expect(harness.jobs.rollbacks).toEqual([]);
  expect(harness.jobs.removed).toEqual([]);
  expect(harness.chat.decisions).toEqual([]);
  expect(harness.audit.entries).toEqual([]);
  expect(harness.privately).toEqual([]);
}

describe("/kcm: who may use it, and where", () => {
  it("refuses a command from another channel, naming the bot's channels, and queues nothing", async () => {
    const harness = await start();

    const answer = await harness.command(ALICE, "upgrade web1", { channel: OTHER_CHANNEL });

    expect(answer).toBe(`kcm-chatops takes commands only in <#${CHANNEL}>.`);
    expectNothingChanged(harness);
  });

  it("refuses a person who is not on the requesters list, and queues nothing", async () => {
    const harness = await start();

    const answer = await harness.command(EVE, "check all");

    expect(answer).toBe(
      "You are not on kcm-chatops's list of requesters; ask an administrator to add you.",
    );
    expectNothingChanged(harness);
  });

  it("holds approvers to the requesters list too", async () => {
    const harness = await start({ requests: [sampleRequest()] });

    const answer = await harness.command(BOB, "cancel r-0k3j9x2a");

    expect(answer).toMatch(/not on kcm-chatops's list of requesters/);
    expect(harness.requests.byId.get("r-0k3j9x2a")?.state).toBe("pending");
    expectNothingChanged(harness);
  });

  it("without a requesters list, anyone in the channel may ask", async () => {
    const { requesters: _, ...open } = slackPolicy();
    const harness = await start({ slack: open });

    await harness.command(EVE, "check web1");

    expect(harness.tasks.checks.map((c) => c.requestedBy)).toEqual([EVE]);
  });
});

describe("/kcm: bad input", () => {
  it.each([
    ["an unknown subcommand", "frobnicate web1", 'unknown subcommand "frobnicate"'],
    ["upgrade without a host", "upgrade", "upgrade needs a host or group"],
    ["a shell metacharacter", "upgrade web1;reboot", '";" is not allowed in a command'],
    ["a name in capitals", "check WEB1", 'did you mean "web1"?'],
    ["two targets", "check web1 web2", "check takes one"],
    ["a malformed request id", "cancel R-0K3J9X2A", 'did you mean "r-0k3j9x2a"?'],
    ["text over the limit", `check ${"a".repeat(600)}`, "the limit is 500"],
  ])("%s gets the problem and the usage, and changes nothing", async (_, text, problem) => {
    const harness = await start({ requests: [sampleRequest()] });
    const before = harness.requests.byId.get("r-0k3j9x2a");

    const answer = await harness.command(ALICE, text);

    expect(answer).toContain(problem);
    expect(answer?.endsWith(`\n${KCM_USAGE}`)).toBe(true);
    expect(harness.requests.byId.get("r-0k3j9x2a")).toBe(before);
    expectNothingChanged(harness);
  });

  it.each([
    ["check", "check web3", "No host or group `web3`. Did you mean `web`, `web1`, `web2`?"],
    ["upgrade", "upgrade lab2", "No host or group `lab2`. Did you mean `lab1`, `web2`?"],
  ])(
    "%s of an unknown host: says so with the nearest names and the usage, and queues nothing",
    async (_, text, said) => {
      const harness = await start();

      const answer = await harness.command(ALICE, text);

      expect(answer).toBe(`${said}\n${KCM_USAGE}`);
      expectNothingChanged(harness);
    },
  );
});

describe("/kcm check", () => {
  it("all: queues one check task carrying the trigger id and the response URL", async () => {
    const harness = await start();

    const answer = await harness.command(ALICE, "check all", { triggerId: "1111.2222.abcd" });

    expect(harness.tasks.checks).toEqual([
      {
        target: "all",
        requestedBy: ALICE,
        channel: CHANNEL,
        triggerId: "1111.2222.abcd",
        responseUrl: harness.responseUrl(ALICE),
      },
    ]);
    expect(harness.tasks.plans).toEqual([]);
    expect(answer).toBe("Checking 3 hosts (`all`); the summary will appear in this channel.");
  });

  it("with no target checks all", async () => {
    const harness = await start();

    await harness.command(ALICE, "check");

    expect(harness.tasks.checks.map((c) => c.target)).toEqual(["all"]);
  });

  it("a group: one task for the group, counting its hosts", async () => {
    const harness = await start();

    const answer = await harness.command(ALICE, "check web");

    expect(harness.tasks.checks.map((c) => c.target)).toEqual(["web"]);
    expect(answer).toMatch(/^Checking 2 hosts \(`web`\)/);
  });
});

describe("/kcm upgrade and rollback", () => {
  it("upgrade <host>: queues one plan task, for the next window by default", async () => {
    const harness = await start();

    const answer = await harness.command(ALICE, "upgrade web1", { triggerId: "3333.4444.ef" });

    expect(harness.tasks.plans).toEqual([
      {
        requestKind: "upgrade",
        host: "web1",
        when: { kind: "next-window" },
        triggerId: "3333.4444.ef",
        requestedBy: ALICE,
        channel: CHANNEL,
        responseUrl: harness.responseUrl(ALICE),
      },
    ]);
    expect(harness.tasks.checks).toEqual([]);
    expect(answer).toBe(
      "Making a fresh plan for `web1`: the upgrade request will appear in this channel for approval.",
    );
  });

  it("upgrade <group> now: ONE plan task for the group (one rollout request)", async () => {
    const harness = await start();

    const answer = await harness.command(CAROL, "upgrade web now");

    expect(harness.tasks.plans.map((p) => [p.host, p.when, p.requestedBy])).toEqual([
      ["web", { kind: "now" }, CAROL],
    ]);
    expect(answer).toMatch(
      /^Making a fresh plan for 2 hosts of `web` \(`web1`, `web2`\): one rollout request will appear/,
    );
  });

  it("upgrade web2,lab1: one plan task for the list, in the order given", async () => {
    const harness = await start();

    await harness.command(CAROL, "upgrade web2,lab1");

    expect(harness.tasks.plans.map((p) => p.host)).toEqual(["web2,lab1"]);
  });

  it.each([
    ["upgrade web1,nope", /No host or group `nope`/],
    ["upgrade web1,web", /A list names hosts only: `web` is a group/],
    ["upgrade web1,,web2", /has an empty name between commas/],
    ["rollback web1,web2", /is not a host name/],
  ])("%s: a clear private answer, and no task", async (text, answer) => {
    const harness = await start();

    expect(await harness.command(CAROL, text)).toMatch(answer);
    expect(harness.tasks.plans).toEqual([]);
  });

  it("upgrade <host> at <time>: the time travels as typed", async () => {
    const harness = await start();

    await harness.command(ALICE, "upgrade lab1 at sat 02:00");

    expect(harness.tasks.plans.map((p) => p.when)).toEqual([{ kind: "at", text: "sat 02:00" }]);
  });

  it("rollback <host>: queues one plan task of kind rollback", async () => {
    const harness = await start();

    await harness.command(ALICE, "rollback lab1");

    expect(harness.tasks.plans.map((p) => [p.requestKind, p.host])).toEqual([["rollback", "lab1"]]);
  });
});

describe("/kcm cancel", () => {
  it("the requester cancels: the request is cancelled, its job taken off, the thread and audit told", async () => {
    const harness = await start({ requests: [sampleRequest()] });

    const answer = await harness.command(ALICE, "cancel r-0k3j9x2a");

    expect(answer).toBe("Cancelled `r-0k3j9x2a`.");
    const request = harness.requests.byId.get("r-0k3j9x2a");
    expect(request?.state).toBe("cancelled");
    expect(harness.jobs.removed).toEqual(["r-0k3j9x2a"]);
    expect(harness.chat.decisions.map((d) => d.decision)).toEqual([
      { kind: "cancel", by: ALICE, at: CLICK_TIME },
    ]);
    expect(harness.audit.entries.map((e) => [e.who, e.what, e.detail])).toEqual([
      [ALICE, "request-cancel", "now cancelled"],
    ]);
  });

  it("an approver may cancel another's request", async () => {
    const harness = await start({ requests: [sampleRequest()] });

    const answer = await harness.command(DAVE, "cancel r-0k3j9x2a");

    expect(answer).toBe("Cancelled `r-0k3j9x2a`.");
    expect(harness.requests.byId.get("r-0k3j9x2a")?.state).toBe("cancelled");
  });

  it("another requester may not: told why, and the request is unchanged", async () => {
    const harness = await start({ requests: [sampleRequest()] });
    const before = harness.requests.byId.get("r-0k3j9x2a");

    const answer = await harness.command(CAROL, "cancel r-0k3j9x2a");

    expect(answer).toBe(`only <@${ALICE}>, who asked for it, or an approver can cancel it`);
    expect(harness.requests.byId.get("r-0k3j9x2a")).toBe(before);
    expectNothingChanged(harness);
  });

  it("a request that is not there: says so", async () => {
    const harness = await start();

    const answer = await harness.command(ALICE, "cancel r-00000000");

    expect(answer).toMatch(/there is no request r-00000000/);
    expectNothingChanged(harness);
  });
});

describe("/kcm help, hosts and status", () => {
  it("help and empty text answer with the usage", async () => {
    const harness = await start();

    expect(await harness.command(ALICE, "help")).toBe(KCM_USAGE);
    expect(await harness.command(ALICE, "")).toBe(KCM_USAGE);
    expectNothingChanged(harness);
  });

  it("hosts lists the inventory", async () => {
    const harness = await start();

    const answer = await harness.command(ALICE, "hosts");

    expect(answer).toMatch(/^\*Hosts\* \(3\)\n/);
    expect(answer).toContain("• `web2` 10.0.0.2: layout tomcat, window nightly");
    expect(answer).toContain("• `web`: web1, web2");
  });

  it("status <host> lists that host's requests from the store", async () => {
    const harness = await start({
      requests: [sampleRequest(), sampleRequest({ id: "r-11111111", host: "lab1" })],
    });

    const answer = await harness.command(ALICE, "status web1");

    expect(answer).toMatch(/^\*Open\*\n• `r-0k3j9x2a` upgrade of `web1`/);
    expect(answer).not.toContain("r-11111111");
    expectNothingChanged(harness);
  });
});
