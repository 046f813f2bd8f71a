import { classifySlackFailure, type SlackFailure } from "./poster/classify-slack-failure.js";
import { createPosterClient } from "./poster/create-poster-client.js";

/** Who the bot token belongs to, or why Slack would not say. */
export type BotTokenCheck =
  | { ok: true; team: string; teamId: string; user: string; userId: string; url: string }
  | { ok: false; failure: SlackFailure };

/**
 * Asks Slack's `auth.test` whose the bot token is: one call, no retries
 * (a person is waiting at a terminal), at `slackApiUrl` when given.
 */
export async function checkBotToken(
  token: string,
  options: { slackApiUrl?: string; timeoutMs?: number } = {},
): Promise<BotTokenCheck> {
  const client = createPosterClient(token, {
    timeoutMs: options.timeoutMs ?? 10_000,
    ...(options.slackApiUrl === undefined ? {} : { slackApiUrl: options.slackApiUrl }),
  });
  try {
    const result = await client.auth.test();
    return {
      ok: true,
      team: result.team ?? "",
      teamId: result.team_id ?? "",
      user: result.user ?? "",
      userId: result.user_id ?? "",
      url: result.url ?? "",
    };
  } catch (error) {
    return { ok: false, failure: classifySlackFailure(error) };
  }
}
