import type { FakeFailure } from "./fake-slack-types.js";

/** Which calls a failure applies to: one method (or `upload` / `response`), or `"*"` for all. */
export type FailureTarget = string;

interface CountedFailure {
  target: FailureTarget;
  failure: FakeFailure;
  remaining: number;
}

interface TimedFailure {
  target: FailureTarget;
  failure: FakeFailure;
  until: number;
}

/**
 * The failures a test asked for, consumed as calls arrive: counted ones
 * ("the next 3 calls of chat.postMessage") first, in the order they were
 * added, then time spans ("every call for 3 s").
 */
export class FailurePlan {
  private readonly counted: CountedFailure[] = [];
  private readonly timed: TimedFailure[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** The next `count` calls to `target` fail as `failure`. */
  failNext(target: FailureTarget, failure: FakeFailure, count: number): void {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be ≥ 1: ${count}`);
    this.counted.push({ target, failure, remaining: count });
  }

  /** Every call to `target` fails as `failure` for the next `ms` milliseconds. */
  failFor(target: FailureTarget, failure: FakeFailure, ms: number): void {
    if (!(ms > 0)) throw new RangeError(`ms must be > 0: ${ms}`);
    this.timed.push({ target, failure, until: this.now() + ms });
  }

  /** Forgets every failure not yet used. */
  clear(): void {
    this.counted.length = 0;
    this.timed.length = 0;
  }

  /** The failure for this call of `method`, if one applies (a counted one is used up). */
  take(method: string): FakeFailure | undefined {
    const index = this.counted.findIndex((f) => matches(f.target, method));
    const counted = this.counted[index];
    if (counted !== undefined) {
      counted.remaining -= 1;
      if (counted.remaining === 0) this.counted.splice(index, 1);
      return counted.failure;
    }
    const now = this.now();
    for (let i = this.timed.length - 1; i >= 0; i -= 1) {
      if ((this.timed[i]?.until ?? 0) <= now) this.timed.splice(i, 1);
    }
    return this.timed.find((f) => matches(f.target, method))?.failure;
  }
}

function matches(target: FailureTarget, method: string): boolean {
  return target === "*" || target === method;
}
