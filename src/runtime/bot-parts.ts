import type { webApi } from "@slack/bolt";
import { StoreUnavailableError } from "../runbook/runbook-failure.js";
import { rootKey } from "../slack/request-view.js";
import type { BotParts } from "../slack/start-bot.js";
import { isUnreachable } from "../store/store-unavailable.js";
import type { Runtime } from "./create-runtime.js";

/** What the bot (or the console's app) starts with, from the process's wiring. */
export function botPartsOf(
  runtime: Runtime,
  client: BotParts["client"] | webApi.WebClient,
): BotParts {
  const { poster, chat } = runtime;
  if (!poster || !chat) throw new Error("botPartsOf: the runtime was made without a chat");
  return {
    env: runtime.env,
    deps: listenerPortsOf(runtime),
    poster,
    client,
    store: {
      up: () => runtime.watch.up,
      unreachable: (error) =>
        error instanceof StoreUnavailableError || isUnreachable(runtime.store, error),
    },
  };
}

/** The Slack listeners' ports from the process's wiring (the approvers are added by whoever runs the app). */
export function listenerPortsOf(runtime: Runtime): BotParts["deps"] {
  const { chat } = runtime;
  if (!chat) throw new Error("listenerPortsOf: the runtime was made without a chat");
  return {
    inventory: runtime.inventory,
    requests: runtime.requests,
    runs: runtime.runs,
    chat,
    tasks: runtime.tasks,
    jobs: runtime.jobs,
    audit: runtime.audit,
    deliveries: runtime.deliveries,
    notices: runtime.notices,
    fleet: runtime.fleet,
    threadLink: async (request) => {
      const ts = await runtime.poster?.tsOf(rootKey(request.id));
      return ts
        ? `https://slack.com/archives/${request.channel}/p${ts.replace(".", "")}`
        : undefined;
    },
    now: () => new Date(),
  };
}
