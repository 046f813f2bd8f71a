/** The parts of Block Kit the bot uses, as loosely as JSON arrives. */
interface Block {
  type: string;
  text?: { text?: string };
  fields?: { text?: string }[];
  elements?: { type?: string; text?: string | { text?: string } }[];
}

/** Slack's mrkdwn, made readable in a terminal: mentions, dates, emoji names, code fences. */
export function plainText(mrkdwn: string, users: ReadonlyMap<string, string>): string {
  return mrkdwn
    .replace(/<@([A-Z0-9]+)>/g, (_, id: string) => `@${users.get(id) ?? id}`)
    .replace(/<#([A-Z0-9]+)>/g, "#kcm-ops")
    .replace(/<!date\^\d+\^[^|]*\|([^>]+)>/g, (_, iso: string) =>
      iso.replace("T", " ").replace(/\.\d+Z$/, " UTC"),
    )
    .replace(/:white_check_mark:/g, "✓")
    .replace(/:x:/g, "✗")
    .replace(/:rotating_light:/g, "!!")
    .replace(/:[a-z_]+:/g, "")
    .replace(/```/g, "")
    .replace(/\*([^*\n]+)\*/g, "$1")
    .replace(/`([^`\n]+)`/g, "$1");
}

/** A message's blocks as terminal lines (buttons as `[Approve]`). */
export function renderBlocks(
  blocks: readonly unknown[],
  users: ReadonlyMap<string, string>,
): string[] {
  const lines: string[] = [];
  for (const raw of blocks as Block[]) {
    switch (raw.type) {
      case "header":
        lines.push(`━━ ${raw.text?.text ?? ""} ━━`);
        break;
      case "section":
        if (raw.text?.text) lines.push(...plainText(raw.text.text, users).split("\n"));
        if (raw.fields)
          lines.push(
            raw.fields.map((f) => plainText(f.text ?? "", users).replace("\n", ": ")).join("  |  "),
          );
        break;
      case "context":
        lines.push(
          ...(raw.elements ?? []).map((e) =>
            plainText(typeof e.text === "string" ? e.text : "", users),
          ),
        );
        break;
      case "actions":
        lines.push(
          (raw.elements ?? [])
            .map((e) => `[${typeof e.text === "object" ? e.text.text : ""}]`)
            .join(" "),
        );
        break;
    }
  }
  return lines.filter((l) => l.trim() !== "");
}
