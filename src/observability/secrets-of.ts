import type { AppEnv } from "../config/read-env.js";

/**
 * The secret values in the environment, for the logger to redact wherever
 * they appear: the Slack tokens and signing secret, the dashboard's
 * password, and Redis's password (as written in REDIS_URL, and decoded).
 */
export function secretsOf(env: AppEnv): string[] {
  const redisPassword = env.redisUrl === undefined ? "" : new URL(env.redisUrl).password;
  return [
    env.slackBotToken,
    env.slackAppToken,
    env.slackSigningSecret,
    env.dashboardPassword,
    redisPassword,
    safeDecode(redisPassword),
  ].filter((secret): secret is string => secret !== undefined && secret !== "");
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
