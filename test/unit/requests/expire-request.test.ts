import { describe, expect, it } from "vitest";
import { BOT_ACTOR, type UpgradeRequest } from "../../../src/domain/upgrade-request.js";
import { type ExpireDeps, expireRequest } from "../../../src/requests/expire-request.js";
import { MemoryChat, MemoryRequests } from "../../support/in-memory-ports.js";
import {
  afterT0,
  BOB,
  SAMPLE_REQUEST_ID as ID,
  SAMPLE_POLICY,
  sampleRequest,
} from "../../support/sample-fleet.js";

/** The request stored, and the expiry task running `minutes` after it was made (it expires at 60). */
async function setup(minutes: number, request: UpgradeRequest = sampleRequest()) {
  const requests = new MemoryRequests();
  const chat = new MemoryChat();
  await requests.create(request);
  const deps: ExpireDeps = { policy: SAMPLE_POLICY, requests, chat, now: () => afterT0(minutes) };
  return { deps, requests, chat };
}

describe("expireRequest", () => {
  it("expires a request nobody decided, and says so in its thread", async () => {
    const { deps, requests, chat } = await setup(60);

    expect(await expireRequest(deps, ID)).toBe(true);

    const expired = requests.byId.get(ID);
    expect(expired?.state).toBe("expired");
    expect(expired?.history.at(-1)).toEqual({
      at: "2026-11-26T13:00:00.000Z",
      by: BOT_ACTOR,
      action: "expired",
    });
    expect(chat.expiries).toEqual([expired]);
  });

  it("expires an emergency still waiting for its confirmation", async () => {
    const emergency = sampleRequest({ when: { kind: "now" }, emergency: true });
    const { deps, requests } = await setup(61, emergency);
    await requests.apply(ID, { kind: "approve", by: BOB, at: afterT0(5) }, SAMPLE_POLICY);

    expect(await expireRequest(deps, ID)).toBe(true);

    expect(requests.byId.get(ID)?.state).toBe("expired");
  });

  it("does nothing to a request decided before its expiry", async () => {
    const { deps, requests, chat } = await setup(60);
    await requests.apply(ID, { kind: "approve", by: BOB, at: afterT0(5) }, SAMPLE_POLICY);
    const approved = requests.byId.get(ID);

    expect(await expireRequest(deps, ID)).toBe(false);

    expect(requests.byId.get(ID)).toBe(approved);
    expect(chat.expiries).toEqual([]);
  });

  it("does nothing before the request's expiry", async () => {
    const { deps, requests, chat } = await setup(59);

    expect(await expireRequest(deps, ID)).toBe(false);

    expect(requests.byId.get(ID)?.state).toBe("pending");
    expect(chat.expiries).toEqual([]);
  });

  it("expires a request once when its task runs twice", async () => {
    const { deps, requests, chat } = await setup(60);

    expect(await expireRequest(deps, ID)).toBe(true);
    const expired = requests.byId.get(ID);
    expect(await expireRequest(deps, ID)).toBe(false);

    expect(requests.byId.get(ID)).toBe(expired);
    expect(chat.expiries).toHaveLength(1);
  });

  it("does nothing for a request that is not there", async () => {
    const { deps, chat } = await setup(60);

    expect(await expireRequest(deps, "r-unknown1")).toBe(false);

    expect(chat.expiries).toEqual([]);
  });
});
