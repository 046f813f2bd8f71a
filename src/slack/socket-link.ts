import type { App, Receiver } from "@slack/bolt";
import { SocketModeReceiver } from "@slack/bolt";
import { BotConfigError } from "./bot-config-error.js";

/** The Socket Mode link to Slack as `/healthz` and the log tell it. */
export interface SlackLinkState {
  /** Connected (Slack said hello). */
  up: boolean;
  /** Since when (ms since epoch) the link is in this state. */
  since: number;
  /** Why it is down: the last failure, in its own words. */
  reason?: string;
  /** Tries since it went down. */
  attempts: number;
}

/** A new link state: down since now, never connected yet. */
export function newSlackLinkState(now = Date.now()): SlackLinkState {
  return { up: false, since: now, reason: "not connected yet", attempts: 0 };
}

/** Errors of apps.connections.open that mean the app-level token itself is refused. */
const REFUSED_TOKEN = new Set([
  "not_authed",
  "invalid_auth",
  "account_inactive",
  "token_revoked",
  "token_expired",
  "user_removed_from_team",
  "team_disabled",
]);

/** The Web API error code a failure carries, when Slack answered one. */
function slackErrorOf(error: unknown): string | undefined {
  const code = (error as { data?: { error?: unknown } } | undefined)?.data?.error;
  return typeof code === "string" ? code : undefined;
}

function describe(error: unknown): string {
  const code = slackErrorOf(error);
  if (code) return `Slack answered ${code}`;
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  if (typeof status === "number") return `HTTP ${status} from apps.connections.open`;
  return error instanceof Error ? error.message : String(error);
}

export interface SocketLinkOptions {
  appToken: string;
  slackApiUrl?: string;
  /** The first wait after a failed try, doubled each try up to `maxMs`. */
  backoff: { minMs: number; maxMs: number };
  /** Updated in place as the link goes down and comes back (read by `/healthz`). */
  state: SlackLinkState;
  /** One structured line when the link goes down, one when it is back. */
  log: (line: string, fields: Record<string, unknown>) => void;
  now?: () => number;
}

/**
 * Socket Mode that survives Slack being away for any length of time. Bolt's
 * own client, left to reconnect by itself, gives up (and the process dies
 * of an unhandled rejection) when `apps.connections.open` answers an HTTP
 * error or cannot be reached; so its reconnecting is off, and this receiver
 * does it: a dropped socket is opened again at once, then after
 * `backoff.minMs`, doubling (with jitter) up to `backoff.maxMs`, forever.
 * At start, a refused app-level token stops the bot (BotConfigError naming
 * SLACK_APP_TOKEN); Slack unreachable does not: the bot starts, and the link
 * follows when Slack answers.
 */
export class SupervisedSocketModeReceiver implements Receiver {
  private readonly inner: SocketModeReceiver;
  private readonly now: () => number;
  private stopping = false;
  private connecting = false;
  private timer: NodeJS.Timeout | undefined;
  /** Whether the "down" line was logged for this outage (a quick refresh logs nothing). */
  private saidDown = false;

  constructor(private readonly options: SocketLinkOptions) {
    this.now = options.now ?? Date.now;
    this.inner = new SocketModeReceiver({
      appToken: options.appToken,
      autoReconnectEnabled: false,
      // The client's own logging would repeat every failed try; this receiver says what matters.
      logger: quietLogger,
      installerOptions: {
        clientOptions: {
          // One request per try: the backoff above is the only retry policy.
          retryConfig: { retries: 0 },
          ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
        },
      },
    });
    this.inner.client.on("disconnected", () => {
      if (this.stopping || this.connecting) return;
      this.lost("the connection to Slack closed");
    });
  }

  init(app: App): void {
    this.inner.init(app);
  }

  /** Resolves once connected, or once it is clear Slack is away (then it keeps trying). */
  async start(): Promise<void> {
    this.stopping = false;
    try {
      await this.connectOnce();
    } catch (error) {
      const code = slackErrorOf(error);
      if (code && REFUSED_TOKEN.has(code)) {
        throw new BotConfigError(
          `Slack refused SLACK_APP_TOKEN (${code}): copy the app-level token (xapp-..., with connections:write) again`,
        );
      }
      this.lost(describe(error), false);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.inner.stop();
  }

  private async connectOnce(): Promise<void> {
    this.connecting = true;
    try {
      await this.inner.client.start();
    } finally {
      this.connecting = false;
    }
    const { state } = this.options;
    if (this.saidDown) {
      this.options.log("slack: the Socket Mode link is back", {
        slackLink: "up",
        downMs: this.now() - state.since,
        attempts: state.attempts,
      });
    }
    this.saidDown = false;
    Object.assign(state, { up: true, since: this.now(), attempts: 0 });
    delete state.reason;
  }

  /** The link is down (or a try failed): try again, at once the first time. */
  private lost(reason: string, atOnce = true): void {
    const { state } = this.options;
    if (state.up) Object.assign(state, { up: false, since: this.now(), attempts: 0 });
    state.reason = reason;
    if (!atOnce && !this.saidDown) this.sayDown();
    this.schedule(atOnce);
  }

  private sayDown(): void {
    const { state, backoff } = this.options;
    this.saidDown = true;
    this.options.log(
      `slack: the Socket Mode link is down (${state.reason}); reconnecting, at most every ${Math.round(backoff.maxMs / 1000)} s`,
      { slackLink: "down", reason: state.reason, since: new Date(state.since).toISOString() },
    );
  }

  private schedule(atOnce: boolean): void {
    if (this.stopping || this.timer) return;
    const { state, backoff } = this.options;
    const base = Math.min(backoff.maxMs, backoff.minMs * 2 ** Math.min(state.attempts, 30));
    const delay = atOnce ? 0 : Math.round(base * (0.8 + Math.random() * 0.4));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.stopping) return;
      state.attempts += 1;
      this.connectOnce().catch((error: unknown) => {
        state.reason = describe(error);
        if (!this.saidDown) this.sayDown();
        this.schedule(false);
      });
    }, delay);
  }
}

const nothing = () => {};
/** A Logger (@slack/logger) that says nothing. */
const quietLogger = {
  debug: nothing,
  info: nothing,
  warn: nothing,
  error: nothing,
  setLevel: nothing,
  getLevel: () => "error" as never,
  setName: nothing,
};
