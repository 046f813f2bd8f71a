import type { App } from "@slack/bolt";
import type { BotDeps } from "../../bot-deps.js";
import { kcmCommand } from "./kcm-command.js";

/** Registers `/kcm`. */
export function registerCommands(app: App, deps: BotDeps): void {
  app.command("/kcm", kcmCommand(deps));
}
