import { readFile } from "node:fs/promises";
import { expect, it } from "vitest";
import { parse } from "yaml";

it("the app manifest creates /kcm, interactivity, Socket Mode and the scopes the bot uses", async () => {
  const manifest = parse(
    await readFile(new URL("../../../slack-app-manifest.yml", import.meta.url), "utf8"),
  );
  expect(manifest.features.slash_commands.map((c: { command: string }) => c.command)).toEqual([
    "/kcm",
  ]);
  expect(manifest.settings.interactivity.is_enabled).toBe(true);
  expect(manifest.settings.socket_mode_enabled).toBe(true);
  // The App Home: its tab, and the event that publishes it.
  expect(manifest.features.app_home.home_tab_enabled).toBe(true);
  expect(manifest.settings.event_subscriptions.bot_events).toEqual(["app_home_opened"]);
  // chat.postMessage/update, files.uploadV2, conversations.history/replies, usergroups.users.list.
  expect(manifest.oauth_config.scopes.bot).toEqual(
    expect.arrayContaining([
      "commands",
      "chat:write",
      "files:write",
      "channels:history",
      "groups:history",
      "usergroups:read",
    ]),
  );
});
