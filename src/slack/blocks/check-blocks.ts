import type { types } from "@slack/bolt";
import type { HostCheck } from "../../kcm/host-check.js";
import { formatPackageVersion } from "../../kcm/package-version.js";

/** ", 3 active sessions", ", no active sessions", ", sessions unknown", or nothing when not counted. */
function sessionsNote(check: HostCheck): string {
  if (check.sessions === undefined) return "";
  if (check.sessions === null) return ", sessions unknown";
  if (check.sessions === 0) return ", no active sessions";
  return `, ${check.sessions} active session${check.sessions === 1 ? "" : "s"}`;
}

/**
 * The one message `/kcm check` answers with: a line per host (installed
 * version, pending packages from → to, or the problem in the host's words).
 */
export function checkBlocks(
  target: string,
  checks: readonly HostCheck[],
  requestedBy: string,
): { text: string; blocks: types.KnownBlock[] } {
  const pending = checks.filter((c) => (c.pending?.length ?? 0) > 0).length;
  const failed = checks.filter((c) => c.problems.length > 0).length;
  const summary = `Check of \`${target}\` for <@${requestedBy}>: ${checks.length} host${checks.length === 1 ? "" : "s"}, ${pending} with updates pending, ${failed} with problems`;
  const hostLines = checks.map((c) => {
    const head = `*${c.host}* ${c.layout ? `(${c.layout})` : ""} KCM ${c.kcmVersion ?? "?"}${sessionsNote(c)}`;
    if (c.problems.length > 0 && c.pending === undefined) {
      const problem = c.problems[0];
      const words = problem?.evidence[0] ? `\n> ${problem.evidence[0].slice(0, 200)}` : "";
      return `:x: ${head}: ${problem?.summary ?? "problem"}${words}`;
    }
    if (!c.pending || c.pending.length === 0) return `:white_check_mark: ${head}: up to date`;
    const targets = [...new Set(c.pending.map((p) => `${p.to.version}-${p.to.release}`))].join(
      ", ",
    );
    const first = c.pending
      .slice(0, 3)
      .map(
        (p) =>
          `${p.name} ${p.from ? formatPackageVersion(p.from) : "-"} → ${formatPackageVersion(p.to)}`,
      )
      .join("\n");
    const more = c.pending.length > 3 ? `\n… and ${c.pending.length - 3} more` : "";
    return `:arrow_up: ${head}: ${c.pending.length} pending → ${targets}\n\`\`\`${first}${more}\`\`\``;
  });
  const blocks: types.KnownBlock[] = [{ type: "section", text: { type: "mrkdwn", text: summary } }];
  // A section holds 3000 characters and a message 50 blocks: group hosts into sections.
  let current = "";
  for (const line of hostLines) {
    if (current.length + line.length + 1 > 2900) {
      blocks.push({ type: "section", text: { type: "mrkdwn", text: current } });
      current = "";
    }
    current += `${current ? "\n" : ""}${line}`;
  }
  if (current) blocks.push({ type: "section", text: { type: "mrkdwn", text: current } });
  return { text: summary, blocks: blocks.slice(0, 49) };
}
