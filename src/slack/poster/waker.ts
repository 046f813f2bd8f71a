import type { PosterClock } from "./slack-poster.js";

/** Sleeps that end early when there is news: new work for a channel, or a stop. */
export class Waker {
  private readonly sleepers = new Map<string, Set<AbortController>>();

  constructor(private readonly clock: PosterClock) {}

  /** Sleeps up to `ms` on behalf of `topic` (a channel, or `"*"` for the supervisor). */
  async wait(topic: string, ms: number): Promise<void> {
    const controller = new AbortController();
    let set = this.sleepers.get(topic);
    if (set === undefined) {
      set = new Set();
      this.sleepers.set(topic, set);
    }
    set.add(controller);
    try {
      await this.clock.sleep(Math.max(0, ms), controller.signal);
    } finally {
      set.delete(controller);
    }
  }

  /** Ends the sleeps of a topic (and the supervisor's, which may need to start a channel). */
  wake(topic: string): void {
    for (const name of [topic, "*"]) {
      for (const controller of this.sleepers.get(name) ?? []) controller.abort();
    }
  }

  wakeAll(): void {
    for (const set of this.sleepers.values()) for (const controller of set) controller.abort();
  }
}
