import { App, LogLevel, type Receiver } from "@slack/bolt";
import type { BotDeps } from "./bot-deps.js";
import { guardStore } from "./guard-store.js";
import { registerActions } from "./listeners/actions/index.js";
import { registerCommands } from "./listeners/commands/index.js";
import { registerAppHome } from "./listeners/events/app-home.js";
import {
  newSlackLinkState,
  type SocketLinkOptions,
  SupervisedSocketModeReceiver,
} from "./socket-link.js";

/** How the app talks to Slack. */
export type SlackConnection =
  | { mode: "socket"; botToken: string; appToken: string }
  | { mode: "http"; botToken: string; signingSecret: string; port: number }
  /**
   * Payloads from elsewhere (the console demo's receiver). Slack is never
   * asked who the bot is: the token is not checked, and the bot's ids are given.
   */
  | { mode: "receiver"; botToken: string; botId: string; botUserId: string; receiver: Receiver };

/**
 * The Bolt app: Socket Mode (an app-level token, no public URL; the link
 * kept up through any Slack outage, see socket-link.ts) or HTTP
 * (Slack signs every request; Bolt checks the signature and refuses requests
 * older than five minutes). One app-level error handler; listeners do not
 * catch-and-log.
 */
export function createSlackApp(
  connection: SlackConnection,
  deps: BotDeps,
  options: {
    slackApiUrl?: string;
    log?: (line: string) => void;
    /** The listeners' Redis: whether it is up, and whether an error means it is away. */
    store?: { up: () => boolean; unreachable: (error: unknown) => boolean };
    /** Socket Mode: the link's state (for `/healthz`) and reconnect backoff. */
    link?: Pick<SocketLinkOptions, "state" | "backoff" | "log">;
  } = {},
): App {
  const common = {
    token: connection.botToken,
    logLevel: LogLevel.WARN,
    // A few retries, not the WebClient's default of ten over half an hour:
    // what the app's own client does (authorize) is answered again on the next request.
    clientOptions: {
      retryConfig: { retries: 2 },
      ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
    },
  };
  const app =
    connection.mode === "socket"
      ? new App({
          ...common,
          receiver: new SupervisedSocketModeReceiver({
            appToken: connection.appToken,
            ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
            state: options.link?.state ?? newSlackLinkState(),
            backoff: options.link?.backoff ?? { minMs: 1000, maxMs: 30_000 },
            log: options.link?.log ?? ((line) => options.log?.(line)),
          }),
        })
      : connection.mode === "http"
        ? new App({ ...common, signingSecret: connection.signingSecret, port: connection.port })
        : new App({
            ...common,
            receiver: connection.receiver,
            tokenVerificationEnabled: false,
            botId: connection.botId,
            botUserId: connection.botUserId,
          });
  if (options.store) app.use(guardStore(options.store));
  registerCommands(app, deps);
  registerActions(app, deps);
  registerAppHome(app, deps);
  app.error(async (error) => {
    options.log?.(`slack app error: ${error.code ?? ""} ${error.message}`);
  });
  return app;
}
