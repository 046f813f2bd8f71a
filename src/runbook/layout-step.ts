import { type Layout, SHOW_UNITS } from "../kcm/commands.js";
import { resolveLayout } from "../kcm/detect-layout.js";
import { parseUnitStates } from "../kcm/parse-unit-states.js";
import { RunbookFailure } from "./runbook-failure.js";
import { excerptOf, type StepRunner } from "./step-runner.js";

/** Detects the service layout (or takes the inventory's pin) and journals it for a resume. */
export async function layoutStep(runner: StepRunner): Promise<Layout> {
  await runner.started("layout", SHOW_UNITS);
  const result = await runner.exec(SHOW_UNITS);
  const parsed = parseUnitStates(result);
  const resolved =
    parsed.kind === "units" ? resolveLayout(runner.job.layout, parsed.units) : undefined;
  // A pin is taken as it is (the inventory is the operator's word); one the
  // host disagrees with is said in the thread, in the words of check and doctor.
  const pinned = runner.job.layout === "auto" ? undefined : runner.job.layout;
  const layout = resolved?.layout ?? pinned;
  const detail =
    resolved?.kind === "detected"
      ? `${resolved.layout} (${resolved.pinned ? "pinned in the inventory" : "detected"})`
      : resolved?.kind === "mismatch"
        ? `${resolved.layout} (pinned in the inventory); :warning: ${resolved.sentence}`
        : layout
          ? `${layout} (pinned in the inventory)`
          : "";
  await runner.finished(
    "layout",
    layout !== undefined,
    {
      exitCode: result.exitCode,
      durationMs: result.durationMs,
      excerpt: excerptOf(result),
      detail,
    },
    layout ? { layout } : undefined,
  );
  if (layout) return layout;
  const reason =
    parsed.kind === "failed"
      ? parsed.failure.summary
      : resolved?.kind === "unknown"
        ? resolved.reason
        : "systemctl printed something unexpected";
  throw new RunbookFailure("layout", "layout-unknown", reason);
}
