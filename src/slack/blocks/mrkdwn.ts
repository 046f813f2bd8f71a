/**
 * Text from outside (a host's words, a failure's summary) as Slack's mrkdwn
 * shows it as written: `&`, `<` and `>` escaped, so nothing becomes a link,
 * a mention or a broken entity.
 */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
