import { describe, expect, it } from "vitest";
import { Pacer } from "../../../../src/slack/poster/pacer.js";

describe("Pacer", () => {
  it("opens the next slot one interval after the last call", () => {
    const pacer = new Pacer(1000);
    expect(pacer.readyAt()).toBe(0);
    pacer.take(5000);
    expect(pacer.readyAt()).toBe(6000);
  });

  it("holds calls until a Retry-After ends, and never moves a hold earlier", () => {
    const pacer = new Pacer(1000);
    pacer.holdUntil(9000);
    pacer.take(5000);
    expect(pacer.readyAt()).toBe(9000);
    pacer.holdUntil(7000);
    expect(pacer.readyAt()).toBe(9000);
  });
});
