import type { App } from "@slack/bolt";
import { NOTICE_UPGRADE } from "../../blocks/notice-blocks.js";
import { REQUEST_ACTIONS } from "../../blocks/request-blocks.js";
import type { BotDeps } from "../../bot-deps.js";
import { noticeButton } from "./notice-button.js";
import { requestButtons } from "./request-buttons.js";

/** Registers the request buttons. */
export function registerActions(app: App, deps: BotDeps): void {
  const handler = requestButtons(deps);
  for (const actionId of Object.values(REQUEST_ACTIONS)) app.action(actionId, handler);
  app.action(NOTICE_UPGRADE, noticeButton(deps));
}
