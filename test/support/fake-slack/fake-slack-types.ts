/**
 * The shapes the fake Slack Web API hands to tests: what it recorded, what a
 * channel shows, and how to make it fail. Field names follow Slack's wire
 * format (snake_case) where the value is one Slack would send.
 */

/** A parsed request argument: form fields are strings, JSON-valued fields are parsed. */
export type SlackArg = unknown;

/** One request the fake received, whatever it answered. */
export interface RecordedCall {
  /** A Web API method (`chat.postMessage`), or `upload` / `response` for the two non-API URLs. */
  method: string;
  /** The arguments as Slack would read them (token removed). */
  args: Record<string, SlackArg>;
  /** The token the call carried (bearer header or `token` field), if any. */
  token: string | undefined;
  /** When the request arrived (ms since the epoch). */
  at: number;
  /** The HTTP status answered; 0 when the connection was dropped instead. */
  status: number;
  /** Slack's `error` when the answer was `ok: false`. */
  error?: string;
  /** True when a failure was injected for this call. */
  injected: boolean;
}

/** A file shared in a message, as Slack lists it. */
export interface FakeFile {
  id: string;
  name: string;
  title: string;
  size: number;
  /** The uploaded bytes, as UTF-8 text. */
  content: string;
}

/** A message as a person sees it now: edits applied, files attached. */
export interface FakeMessage {
  channel: string;
  ts: string;
  /** Set on replies (and on a root, equal to its own ts, once it has replies). */
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  files?: FakeFile[];
  /** The bot user that posted it. */
  user: string;
  bot_id: string;
  /** Present once the message was edited with chat.update. */
  edited?: { user: string; ts: string };
  /** How many times chat.update changed it. */
  editCount: number;
}

/** An ephemeral message (chat.postEphemeral): seen only by `user`. */
export interface FakeEphemeral {
  channel: string;
  user: string;
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
  message_ts: string;
}

/** A JSON body posted to a response_url. */
export interface FakeResponse {
  at: number;
  body: unknown;
}

/**
 * What a failing call does instead of its work:
 * - `status: 429` answers "rate limited" with a `Retry-After` header (seconds);
 * - `status: 5xx` answers an HTTP server error, the call takes no effect;
 * - `error` answers HTTP 200 `{ ok: false, error }`, the call takes no effect;
 * - `dropRequest` closes the connection before the call takes effect;
 * - `dropResponse` lets the call take effect, then closes the connection
 *   without answering (the caller cannot know it succeeded);
 * - `delayMs` answers normally, that much later.
 */
export type FakeFailure =
  | { status: 429; retryAfterSeconds: number }
  | { status: 500 | 502 | 503 | 504 }
  | { error: string }
  | { dropRequest: true }
  | { dropResponse: true }
  | { delayMs: number };

/** A channel of the fake workspace. */
export interface FakeChannel {
  id: string;
  name: string;
  isPrivate?: boolean;
  /** False: the bot is not in it, so posting answers `not_in_channel`. @defaultValue true */
  isMember?: boolean;
}

/** A user of the fake workspace. */
export interface FakeUser {
  id: string;
  name: string;
  realName?: string;
  tz?: string;
  isBot?: boolean;
  deleted?: boolean;
}

/** How the fake workspace starts. */
export interface FakeSlackOptions {
  /** The bot token every API call must carry. @defaultValue `"xoxb-fake-token"` */
  token?: string;
  /** @defaultValue one channel, `C0KCMOPS01` named `kcm-ops` */
  channels?: FakeChannel[];
  /** @defaultValue two people, `U0ALICE` and `U0BOB` */
  users?: FakeUser[];
  /** User group id → member user ids. @defaultValue none */
  usergroups?: Record<string, string[]>;
}
