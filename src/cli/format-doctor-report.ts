import type { Finding } from "../runbook/finding.js";

/** A group of checks: the environment, the inventory, Redis, Slack, or one host. */
export interface DoctorSection {
  subject: string;
  /** The inventory name, for a host's section. */
  host?: string;
  findings: Finding[];
}

const MARK: Record<Finding["status"], string> = {
  ok: "✓",
  warning: "!",
  failed: "✗",
  skipped: "-",
};

/**
 * The doctor's report for a terminal: one line per check (`✓`, `✗`, `!` for
 * a pass a person should know more about, or `-` for one that could not be made), its details indented under it, and for
 * every ✗ its fix; the hosts' checks under a line naming the host; a last
 * line counting the failures.
 */
export function formatDoctorReport(sections: readonly DoctorSection[]): string {
  const out: string[] = [];
  const line = (indent: string, f: Finding) => {
    out.push(`${indent}${MARK[f.status]} ${f.check}: ${f.summary}`);
    for (const detail of f.details) out.push(`${indent}    ${detail}`);
    f.fix.forEach((fix, i) => {
      out.push(`${indent}    ${i === 0 ? "fix: " : "     "}${fix}`);
    });
  };
  for (const section of sections) {
    if (section.host === undefined) {
      for (const f of section.findings) line("", f);
    } else {
      out.push("", section.subject);
      for (const f of section.findings) line("  ", f);
    }
  }
  const all = sections.flatMap((s) => s.findings).filter((f) => f.status !== "skipped");
  const failed = all.filter((f) => f.status === "failed").length;
  const warned = all.filter((f) => f.status === "warning").length;
  const warnings = warned === 0 ? "" : `; ${warned} warning${warned === 1 ? "" : "s"} (!) to read`;
  out.push(
    "",
    failed === 0
      ? `All ${all.length} checks passed${warnings}.`
      : `${failed} of ${all.length} checks failed; the fix is under each ✗${warnings}.`,
  );
  return out.join("\n");
}
