/** Why the poster refused a request (a caller's mistake; Slack trouble is never thrown). */
export type PosterErrorCode =
  | "unknown-key"
  | "unknown-thread"
  | "thread-in-other-channel"
  | "invalid-request";

const HINTS: Record<PosterErrorCode, string> = {
  "unknown-key": "post the message with this key before updating it",
  "unknown-thread": "post the thread's root with this key before replying to it",
  "thread-in-other-channel": "a reply goes to the channel of its thread's root",
  "invalid-request": "give a channel id and a non-empty text (or blocks)",
};

/** A refused post, update or upload; `message` says how to fix the call. */
export class PosterError extends Error {
  override readonly name = "PosterError";
  readonly code: PosterErrorCode;

  constructor(code: PosterErrorCode, detail: string, options?: { cause?: unknown }) {
    super(`${detail}: ${HINTS[code]}`, options);
    this.code = code;
  }
}
