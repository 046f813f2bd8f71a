import { FAKE_BOT, type FakeWorkspace } from "./fake-workspace.js";
import { fail, flag, type SlackAnswer, type SlackArgs, text } from "./slack-wire.js";

type Handler = (ws: FakeWorkspace, args: SlackArgs) => SlackAnswer;

/** auth.test, users.info, usergroups.users.list and conversations.info. */
export const directoryMethods: Record<string, Handler> = {
  "auth.test": () => ({
    ok: true,
    url: "https://kcm-fake.slack.com/",
    team: FAKE_BOT.team,
    user: FAKE_BOT.name,
    team_id: FAKE_BOT.teamId,
    user_id: FAKE_BOT.userId,
    bot_id: FAKE_BOT.botId,
    is_enterprise_install: false,
  }),

  "users.info": (ws, args) => {
    const user = ws.users.get(text(args["user"]) ?? "");
    if (user === undefined) return fail("user_not_found");
    return {
      ok: true,
      user: {
        id: user.id,
        team_id: FAKE_BOT.teamId,
        name: user.name,
        real_name: user.realName ?? user.name,
        deleted: user.deleted ?? false,
        is_bot: user.isBot ?? false,
        tz: user.tz ?? "UTC",
        profile: {
          real_name: user.realName ?? user.name,
          display_name: user.name,
        },
      },
    };
  },

  "usergroups.users.list": (ws, args) => {
    const members = ws.usergroups.get(text(args["usergroup"]) ?? "");
    if (members === undefined) return fail("no_such_subteam");
    return { ok: true, users: [...members] };
  },

  /** The App Home: `view` (JSON) becomes the user's Home tab; up to 100 blocks, as Slack allows. */
  "views.publish": (ws, args) => {
    const user = text(args["user_id"]);
    if (user === undefined || !ws.users.has(user)) return fail("user_not_found");
    let view: { type?: unknown; blocks?: unknown };
    try {
      view = (
        typeof args["view"] === "string" ? JSON.parse(args["view"]) : args["view"]
      ) as typeof view;
    } catch {
      return fail("invalid_arguments");
    }
    if (view?.type !== "home" || !Array.isArray(view.blocks) || view.blocks.length > 100)
      return fail("invalid_arguments");
    ws.views.set(user, view);
    return { ok: true, view: { id: `V${user}`, type: "home" } };
  },

  "conversations.info": (ws, args) => {
    const channel = ws.channel(args["channel"]);
    if (channel === undefined) return fail("channel_not_found");
    const info: Record<string, unknown> = {
      id: channel.id,
      name: channel.name,
      is_channel: !channel.isPrivate,
      is_group: channel.isPrivate ?? false,
      is_private: channel.isPrivate ?? false,
      is_archived: false,
      is_member: channel.isMember ?? true,
    };
    if (flag(args["include_num_members"])) info["num_members"] = ws.users.size + 1;
    return { ok: true, channel: info };
  },
};
