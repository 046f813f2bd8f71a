import type { App } from "@slack/bolt";
import { TERMINAL_STATES } from "../../../domain/upgrade-request.js";
import { HOME_CHECK, homeView } from "../../blocks/home-blocks.js";
import type { BotDeps } from "../../bot-deps.js";
import { mayRequest } from "../../requester-policy.js";

/** How often one person may ask for a check from the Home tab. */
const CHECK_EVERY_S = 300;

type Client = App["client"];

/** Builds and publishes `user`'s Home tab (with `note` at the top). */
async function publishHome(deps: BotDeps, client: Client, user: string, note?: string) {
  const requests = (await deps.requests.recent({ limit: 50 })).filter(
    (r) => !TERMINAL_STATES.has(r.state),
  );
  const found = await Promise.all(
    requests.map(async (r) => [r.id, await deps.threadLink(r)] as const),
  );
  const links = new Map(found.flatMap(([id, link]) => (link ? [[id, link] as const] : [])));
  const view = homeView({
    inventory: deps.inventory,
    snapshots: await deps.fleet.all(),
    requests,
    links,
    ...(note ? { note } : {}),
  });
  await client.views.publish({ user_id: user, view });
}

/**
 * The App Home: published when a person opens it (`app_home_opened`), from
 * the last checks; its "Check now" button queues a check of every host (its
 * summary in the channel), at most once every 5 minutes per person.
 */
export function registerAppHome(app: App, deps: BotDeps): void {
  app.event("app_home_opened", async ({ event, client }) => {
    if (event.tab !== "home") return;
    await publishHome(deps, client, event.user);
  });
  app.action(HOME_CHECK, async ({ ack, body, client }) => {
    await ack();
    const user = body.user.id;
    const channel = deps.slack.channels[0];
    if (!mayRequest(deps.slack, user)) {
      await publishHome(
        deps,
        client,
        user,
        "You are not on kcm-chatops's list of requesters: a check is for them.",
      );
      return;
    }
    if (!channel) return;
    if (!(await deps.deliveries.first(`home-check:${user}`, CHECK_EVERY_S))) {
      await publishHome(
        deps,
        client,
        user,
        "You asked for a check less than 5 minutes ago; its summary is in the channel.",
      );
      return;
    }
    const triggerId =
      "trigger_id" in body && typeof body.trigger_id === "string"
        ? body.trigger_id
        : `home-${user}-${Date.now()}`;
    await deps.tasks.check({ target: "all", requestedBy: user, channel, triggerId });
    await publishHome(
      deps,
      client,
      user,
      `Checking every host; the summary will appear in <#${channel}>, and here when you open this tab again.`,
    );
  });
}
