import type { SlackFailure } from "./classify-slack-failure.js";
import type { Pacer } from "./pacer.js";
import type { PosterClient } from "./poster-client.js";
import type { PosterSettings } from "./poster-settings.js";
import type { PosterStore } from "./poster-store.js";
import type { PosterClock, PosterLogEntry } from "./slack-poster.js";
import type { Waker } from "./waker.js";

/** What delivering one intent or edit came to. */
export type Delivery =
  /** Delivered, or dropped for good (and logged): the next one may go. */
  | { kind: "done" }
  /** Not delivered: try the same one again, after a delay that depends on the failure. */
  | { kind: "retry"; failure: SlackFailure }
  /** Not yet deliverable (its thread's root is not posted yet): look again after `ms`. */
  | { kind: "wait"; ms: number }
  /** The poster stopped while the call was out: nothing was written. */
  | { kind: "halted" };

/** What the delivery loops share. */
export interface PosterContext {
  store: PosterStore;
  client: PosterClient;
  clock: PosterClock;
  settings: PosterSettings;
  log: (entry: PosterLogEntry) => void;
  waker: Waker;
  /** chat.update is paced per workspace, so one pacer for every channel. */
  updatePacer: Pacer;
  /** When each message was last edited (message key → ms), for `messageEditIntervalMs`. */
  editedAt: Map<string, number>;
  /** chat.postMessage is paced per channel. */
  postPacer(channel: string): Pacer;
  /** False once the poster is stopping, or lost its lease: take no new work. */
  active(): boolean;
  /** True once `stop()` stopped waiting: a late answer is not written (as after a crash). */
  halted(): boolean;
}
