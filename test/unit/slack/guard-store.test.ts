import { describe, expect, it } from "vitest";
import { guardStore, STORE_DOWN_TEXT } from "../../../src/slack/guard-store.js";

/** The slice of Bolt's middleware arguments the guard uses, recording what it says. */
function args(kind: "command" | "action", options: { ackFails?: boolean } = {}) {
  const acks: unknown[] = [];
  const responses: unknown[] = [];
  let nextCalls = 0;
  let next: () => Promise<void> = async () => {};
  const value = {
    ...(kind === "command" ? { command: { text: "check all" } } : { action: { action_id: "x" } }),
    ack: async (body?: unknown) => {
      if (options.ackFails) throw new Error("already acknowledged");
      acks.push(body);
    },
    respond: async (body: unknown) => void responses.push(body),
    next: async () => {
      nextCalls++;
      await next();
    },
  };
  return {
    value,
    acks,
    responses,
    nextCalls: () => nextCalls,
    setNext: (fn: () => Promise<void>) => {
      next = fn;
    },
  };
}

const unreachable = new Error("Connection is closed.");
const guard = (up: boolean) =>
  guardStore({ up: () => up, unreachable: (error) => error === unreachable });

describe("guardStore", () => {
  it("while Redis is away: a command is answered privately with the ack, and no listener runs", async () => {
    const a = args("command");
    await guard(false)(a.value as never);
    expect(a.acks).toEqual([{ response_type: "ephemeral", text: STORE_DOWN_TEXT }]);
    expect(a.nextCalls()).toBe(0);
  });

  it("while Redis is away: a click is acked, then answered privately", async () => {
    const a = args("action");
    await guard(false)(a.value as never);
    expect(a.acks).toEqual([undefined]);
    expect(a.responses).toEqual([
      { response_type: "ephemeral", replace_original: false, text: STORE_DOWN_TEXT },
    ]);
  });

  it("Redis fails under a listener that has acked: the answer goes by the response URL", async () => {
    const a = args("command", { ackFails: true });
    a.setNext(async () => {
      throw unreachable;
    });
    await guard(true)(a.value as never);
    expect(a.responses).toEqual([
      { response_type: "ephemeral", replace_original: false, text: STORE_DOWN_TEXT },
    ]);
  });

  it("any other error goes on to the app's error handler", async () => {
    const a = args("command");
    const bug = new Error("a bug");
    a.setNext(async () => {
      throw bug;
    });
    await expect(guard(true)(a.value as never)).rejects.toBe(bug);
    expect(a.acks).toEqual([]);
  });
});
