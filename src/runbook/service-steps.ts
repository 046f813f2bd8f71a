import type { ServiceState } from "../chat/runbook-event.js";
import { classifyHostFailure } from "../kcm/classify-host-failure.js";
import { type Layout, unitsOf } from "../kcm/commands.js";
import { parseIsActive } from "../kcm/parse-is-active.js";
import { isConnectionFailure } from "./host-shell.js";
import { backoffMs } from "./regain-host.js";
import { RunbookFailure } from "./runbook-failure.js";
import { excerptOf, type StepRunner } from "./step-runner.js";

/** The units' states (`systemctl is-active`), or undefined when the host cannot say. */
export async function readServices(
  runner: StepRunner,
  layout: Layout,
): Promise<ServiceState[] | undefined> {
  try {
    const result = await runner.exec(runner.deps.commands.servicesState(layout));
    const parsed = parseIsActive(result, unitsOf(layout));
    return parsed.kind === "states" ? parsed.states : undefined;
  } catch (error) {
    if (isConnectionFailure(error)) return undefined;
    throw error;
  }
}

/**
 * Stops the services and checks they are inactive. The journal marks
 * downtime as begun before the command runs, so a crash here still ends
 * with the services started again.
 */
export async function stopStep(
  runner: StepRunner,
  layout: Layout,
  data: Record<string, unknown>,
): Promise<void> {
  const command = runner.deps.commands.stopServices(layout);
  await runner.started("stop", command, { layout, ...data });
  const result = await runner.exec(command);
  const states = (await readServices(runner, layout)) ?? [];
  const stillUp = states.filter((s) => s.state !== "inactive" && s.state !== "failed");
  const ok =
    result.exitCode === 0 && states.length === unitsOf(layout).length && stillUp.length === 0;
  await runner.finished("stop", ok, {
    exitCode: result.exitCode,
    durationMs: result.durationMs,
    excerpt: excerptOf(result),
    detail: states.map((s) => `${s.unit} ${s.state}`).join(", "),
  });
  if (!ok) {
    const failure = classifyHostFailure(result);
    throw new RunbookFailure(
      "stop",
      result.exitCode === 0 ? "still-running" : failure.code,
      result.exitCode === 0
        ? `the services did not stop: ${stillUp.map((s) => `${s.unit} is ${s.state}`).join(", ") || "their state is unknown"}`
        : failure.summary,
      failure.evidence,
    );
  }
}

/**
 * Starts the services, checks every unit is active and, where configured,
 * probes them from outside. Throws a {@link RunbookFailure} naming the
 * units that are not active.
 */
export async function startStep(runner: StepRunner, layout: Layout): Promise<ServiceState[]> {
  const command = runner.deps.commands.startServices(layout);
  await runner.started("start", command);
  const started = runner.deps.now();
  const result = await runner.exec(command);
  const states = (await readServices(runner, layout)) ?? [];
  const down = states.filter((s) => s.state !== "active");
  let probe: { ok: boolean; detail: string } | undefined;
  if (down.length === 0 && states.length > 0 && runner.deps.probe)
    probe = await runner.deps.probe();
  const ok = result.exitCode === 0 && states.length > 0 && down.length === 0 && (probe?.ok ?? true);
  await runner.finished("start", ok, {
    exitCode: result.exitCode,
    durationMs: runner.deps.now() - started,
    excerpt: excerptOf(result),
    detail: [states.map((s) => `${s.unit} ${s.state}`).join(", "), probe?.detail]
      .filter(Boolean)
      .join("; "),
  });
  if (!ok) {
    const failure = classifyHostFailure(result);
    const summary =
      down.length > 0
        ? `${down.map((s) => `${s.unit} is ${s.state}`).join(", ")} after \`${command}\``
        : probe && !probe.ok
          ? `the services are active but the health probe failed: ${probe.detail}`
          : failure.summary;
    throw new RunbookFailure(
      "start",
      down.length > 0 ? "start-failed" : probe ? "probe-failed" : failure.code,
      summary,
      failure.evidence,
    );
  }
  return states;
}

/**
 * After any failure once downtime began: tries to start the services and
 * says what state they are in. A host that does not answer is tried again,
 * with backoff, until `deadline` (at least once); then the units' state is
 * "unknown". Never throws but for a lost lock or a bug.
 */
export async function recoverServices(
  runner: StepRunner,
  layout: Layout,
  deadline: number,
): Promise<ServiceState[]> {
  const { deps } = runner;
  for (let attempt = 0; ; attempt++) {
    try {
      const states = await readServices(runner, layout);
      if (states?.every((s) => s.state === "active")) return states;
      const command = deps.commands.startServices(layout);
      await runner.started("start", command);
      const result = await runner.exec(command);
      const after = (await readServices(runner, layout)) ?? [];
      await runner.finished(
        "start",
        result.exitCode === 0 && after.length > 0 && after.every((s) => s.state === "active"),
        {
          exitCode: result.exitCode,
          durationMs: result.durationMs,
          excerpt: excerptOf(result),
          detail: after.map((s) => `${s.unit} ${s.state}`).join(", "),
        },
      );
      if (after.length > 0) return after;
    } catch (error) {
      if (!isConnectionFailure(error)) throw error;
    }
    // The host did not answer (or could not say how its units are): again, until the deadline.
    if (deps.now() >= deadline) break;
    await deps.sleep(
      Math.min(backoffMs(attempt, deps.timeouts.reconnectMaxDelayMs), deadline - deps.now()),
    );
    runner.reconnect();
  }
  return unitsOf(layout).map((unit) => ({ unit, state: "unknown (the host cannot be reached)" }));
}
