import { classifyHostFailure } from "./classify-host-failure.js";
import type { CommandOutput } from "./command-output.js";
import { type HostFailure, rawOutputText, readableLines } from "./host-failure.js";

/** One unit as `systemctl show -p Id -p LoadState -p ActiveState` describes it. */
export interface UnitState {
  /** The unit's name without ".service": `guacamole`. */
  unit: string;
  /** `loaded`, `not-found`, `masked`, `bad-setting`, `error`. */
  loadState: string;
  /** `active`, `inactive`, `failed`, `activating`, `deactivating`, `reloading`, ... */
  activeState: string;
}

/** The units SHOW_UNITS described, a failure, or output we cannot read. */
export type UnitStates =
  | { kind: "units"; units: UnitState[] }
  | { kind: "failed"; failure: HostFailure }
  | { kind: "unrecognised"; text: string };

const REQUIRED = ["Id", "LoadState", "ActiveState"] as const;
const KEY = /^[A-Za-z][A-Za-z0-9]*$/;
const STATE = /^[a-z][a-z-]*$/;

/** One block of `Key=Value` lines; undefined if a line is not one, or a key repeats. */
function readBlock(lines: readonly string[]): Map<string, string> | undefined {
  const properties = new Map<string, string>();
  for (const line of lines) {
    const at = line.indexOf("=");
    const key = line.slice(0, at);
    if (at < 1 || !KEY.test(key) || properties.has(key)) return undefined;
    properties.set(key, line.slice(at + 1).trim());
  }
  return properties;
}

function toUnitState(properties: Map<string, string>): UnitState | undefined {
  const [id, loadState, activeState] = REQUIRED.map((key) => properties.get(key));
  if (id === undefined || loadState === undefined || activeState === undefined) return undefined;
  const unit = id.endsWith(".service") ? id.slice(0, -".service".length) : id;
  if (!/^[^\s/]+$/.test(unit) || !STATE.test(loadState) || !STATE.test(activeState)) {
    return undefined;
  }
  return { unit, loadState, activeState };
}

/**
 * Reads SHOW_UNITS: one block of `Key=Value` lines per unit, blocks apart
 * by a blank line. Properties may come in any order (systemd prints them
 * in its D-Bus order, not the order asked for) and others are ignored;
 * each block needs Id, LoadState and ActiveState. A unit that does not
 * exist is still a block (`LoadState=not-found`). Never throws.
 */
export function parseUnitStates(output: CommandOutput): UnitStates {
  if (output.exitCode !== 0 || output.timedOut === true) {
    return { kind: "failed", failure: classifyHostFailure(output) };
  }
  const unrecognised: UnitStates = { kind: "unrecognised", text: rawOutputText(output) };
  const blocks: string[][] = [[]];
  for (const line of readableLines(output.stdout).map((l) => l.trim())) {
    if (line !== "") blocks[blocks.length - 1]?.push(line);
    else if (blocks[blocks.length - 1]?.length !== 0) blocks.push([]);
  }
  const units: UnitState[] = [];
  for (const block of blocks.filter((b) => b.length > 0)) {
    const properties = readBlock(block);
    const state = properties && toUnitState(properties);
    if (!state) return unrecognised;
    units.push(state);
  }
  return units.length === 0 ? unrecognised : { kind: "units", units };
}
