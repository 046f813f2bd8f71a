/** Why the bot cannot start, for the operator. */
export class BotConfigError extends Error {
  override readonly name = "BotConfigError";
  readonly code = "bot-config";
}
