import type { types } from "@slack/bolt";
import type { SlackFailure } from "./classify-slack-failure.js";

/**
 * What a message says: `text` is always required (Slack shows it in
 * notifications and to screen readers, and it is the whole message when
 * there are no blocks).
 */
export interface MessageContent {
  text: string;
  blocks?: types.AnyBlock[];
}

/** Where a reply goes: a thread by its root's ts, or by the logical key its root was posted with. */
export type ThreadRef = { ts: string } | { key: string };

/** A new message. */
export interface PostRequest {
  channel: string;
  content: MessageContent;
  /**
   * A logical name for the message (e.g. `request:42:root`), unique for the
   * poster's prefix: later updates and replies refer to it, and posting the
   * same key again is a no-op (a redelivered job does not post twice).
   */
  key?: string;
  /** Post as a reply in this thread. */
  thread?: ThreadRef;
}

/** A text file (long command output), shared in a channel or a thread. */
export interface UploadRequest {
  channel: string;
  thread?: ThreadRef;
  /** Also how a retry recognises an upload that arrived: keep it unique within a thread. */
  filename: string;
  /** The file's text. */
  content: string;
  /** @defaultValue the filename */
  title?: string;
  /** A message shown with the file. */
  comment?: string;
}

/** A request safely in the queue. */
export interface QueuedIntent {
  /** The intent's id (also carried in the Slack message's metadata). */
  id: string;
  /** True when a message with the same key was already queued or posted: nothing new was queued. */
  duplicate: boolean;
}

/**
 * Everything the bot says in Slack, through per-channel queues in Redis.
 * `post`, `update` and `upload` resolve once the intent is stored (one
 * Redis round trip), never waiting for Slack; a started poster delivers the
 * queues at the pace Slack allows, retrying until Slack takes the message.
 */
export interface SlackPoster {
  /** Queues a new message (after everything queued before it in the channel). */
  post(request: PostRequest): Promise<QueuedIntent>;
  /**
   * Replaces the content of the message posted with `key`. Waiting updates
   * of one message coalesce: only the latest is sent. Throws a
   * `PosterError` (`unknown-key`) for a key never posted.
   */
  update(key: string, content: MessageContent): Promise<void>;
  /** Queues a file upload (in order with the channel's messages). */
  upload(request: UploadRequest): Promise<QueuedIntent>;
  /** The ts of the message posted with `key`, once Slack has it. */
  tsOf(key: string): Promise<string | undefined>;
  /** Starts delivering (in the background) once this process holds the delivery lease. */
  start(): void;
  /** Stops delivering: waits for calls in flight (up to `stopGraceMs`), releases the lease. */
  stop(): Promise<void>;
  /** Resolves when every queue of the prefix is empty (delivered or dropped). */
  idle(): Promise<void>;
}

/** One thing the poster wants an operator to know. */
export interface PosterLogEntry {
  level: "info" | "warn" | "error";
  event:
    | "dropped"
    | "retrying"
    | "found-earlier-attempt"
    | "unverifiable"
    | "redis-error"
    | "lease";
  channel?: string;
  intent?: string;
  key?: string;
  /** With `retrying`: what kind of failure is retried (`rate-limited` is Slack's 429). */
  failure?: SlackFailure["kind"];
  reason: string;
}

/** Time, injectable for tests. */
export interface PosterClock {
  now(): number;
  /** Resolves after `ms`, or early (without error) when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}
