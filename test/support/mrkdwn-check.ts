/**
 * What Slack's mrkdwn would not show as written in `text`: a `<` that opens
 * no sequence Slack knows (a mention, a channel, a special mention, a link),
 * a `>` outside one (but for a block quote at a line's start), and an `&`
 * that starts no entity. Slack turns `<host|group>` into a link labelled
 * "group", drops `<time>`, and may break at a bare `&`. Empty: it shows as written.
 */
export function mrkdwnProblems(text: string): string[] {
  const problems: string[] = [];
  const sequence =
    /^<(?:@[UWB][A-Z0-9]+|#[CG][A-Z0-9]+(?:\|[^<>|]*)?|!(?:here|channel|everyone|subteam\^[A-Z0-9]+(?:\|[^<>|]*)?|date\^[^<>]*)|(?:https?|mailto):[^<>|\s]+(?:\|[^<>|]*)?)>/;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const near = () => JSON.stringify(text.slice(Math.max(0, i - 20), i + 20));
    if (c === "<") {
      const match = sequence.exec(text.slice(i));
      if (!match) problems.push(`a bare "<" near ${near()}`);
      else i += match[0].length - 1;
    } else if (c === ">") {
      const lineStart = text.lastIndexOf("\n", i - 1) + 1;
      if (text.slice(lineStart, i).trim() !== "") problems.push(`a bare ">" near ${near()}`);
    } else if (c === "&" && !/^&(?:amp|lt|gt);/.test(text.slice(i))) {
      problems.push(`a bare "&" near ${near()}`);
    }
  }
  return problems;
}
