import { describeChange, type HostCheck } from "../kcm/host-check.js";

function pad(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - text.length));
}

function pendingSummary(check: HostCheck): string {
  if (check.pending === undefined) return "?";
  if (check.pending.length === 0) return "up to date";
  const targets = [...new Set(check.pending.map((p) => `${p.to.version}-${p.to.release}`))];
  const n = check.pending.length;
  return `${n} package${n === 1 ? "" : "s"} → ${targets.join(", ")}`;
}

/** Active sessions: a number, `?` when they could not be counted (with why, under the host), or `-` when not asked. */
function sessionsCell(check: HostCheck): string {
  if (check.sessions === undefined) return "-";
  return check.sessions === null ? "?" : String(check.sessions);
}

/**
 * The `check` report for a terminal: one line per host (name, layout,
 * installed KCM version, active sessions, what is pending), then the pending packages from →
 * to and every problem with the host's own words, indented under the host.
 */
export function formatCheckTable(checks: readonly HostCheck[]): string {
  const rows = checks.map((c) => [
    c.host,
    c.layout ?? "?",
    c.kcmVersion ?? "?",
    sessionsCell(c),
    c.problems.length > 0 && c.pending === undefined ? "ERROR" : pendingSummary(c),
  ]);
  const header = ["HOST", "LAYOUT", "KCM", "SESSIONS", "PENDING"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : pad(cell, widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  const out = [line(header)];
  checks.forEach((check, i) => {
    out.push(line(rows[i] ?? []));
    for (const change of check.pending ?? []) out.push(`    ${describeChange(change)}`);
    if (check.sessionsUnknown) out.push(`    sessions unknown: ${check.sessionsUnknown}`);
    for (const problem of check.problems) {
      out.push(`    ✗ ${problem.summary}`);
      for (const evidence of problem.evidence) out.push(`        ${evidence}`);
    }
  });
  const failed = checks.filter((c) => c.problems.length > 0).length;
  const pending = checks.filter((c) => (c.pending?.length ?? 0) > 0).length;
  out.push(
    "",
    `${checks.length} host${checks.length === 1 ? "" : "s"}: ${pending} with updates pending, ${failed} with problems`,
  );
  return out.join("\n");
}
