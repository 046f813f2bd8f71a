import { type Layout, SHOW_UNITS } from "../kcm/commands.js";
import { detectLayout } from "../kcm/detect-layout.js";
import { parseUnitStates } from "../kcm/parse-unit-states.js";
import { RunbookFailure } from "./runbook-failure.js";
import { excerptOf, type StepRunner } from "./step-runner.js";

/** Detects the service layout (or takes the inventory's pin) and journals it for a resume. */
export async function layoutStep(runner: StepRunner): Promise<Layout> {
  await runner.started("layout", SHOW_UNITS);
  const result = await runner.exec(SHOW_UNITS);
  const parsed = parseUnitStates(result);
  const detected = parsed.kind === "units" ? detectLayout(parsed.units) : undefined;
  const pinned = runner.job.layout;
  const layout: Layout | undefined =
    pinned !== "auto" ? pinned : detected?.kind === "detected" ? detected.layout : undefined;
  await runner.finished(
    "layout",
    layout !== undefined,
    {
      exitCode: result.exitCode,
      durationMs: result.durationMs,
      excerpt: excerptOf(result),
      detail: layout
        ? `${layout} (${pinned === "auto" ? "detected" : "pinned in the inventory"})`
        : "",
    },
    layout ? { layout } : undefined,
  );
  if (layout) return layout;
  const reason =
    parsed.kind === "failed"
      ? parsed.failure.summary
      : detected?.kind === "unknown"
        ? detected.reason
        : "systemctl printed something unexpected";
  throw new RunbookFailure("layout", "layout-unknown", reason);
}
