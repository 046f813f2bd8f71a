import { classifyHostFailure } from "./classify-host-failure.js";
import type { CommandOutput } from "./command-output.js";
import type { HostFailure } from "./host-failure.js";
import { rawOutputText, readableLines } from "./host-failure.js";

/** The newest yum transaction, from `yum history info` (dnf 4 and yum 3 print the same line). */
export type LastTransaction =
  | { kind: "transaction"; id: number; returnCode?: string }
  | { kind: "none" }
  | { kind: "failed"; failure: HostFailure }
  | { kind: "unrecognised"; text: string };

const ID = /^Transaction ID\s*:\s*(\d+)(?:\.\.\d+)?\s*$/;
const RETURN_CODE = /^Return-Code\s*:\s*(.+?)\s*$/;

/** Reads `Transaction ID : N` (and its Return-Code); "No transactions" on a host without history. */
export function parseLastTransaction(output: CommandOutput): LastTransaction {
  const lines = readableLines(output.stdout).map((l) => l.trim());
  const errors = readableLines(output.stderr).map((l) => l.trim());
  if (output.exitCode === 0) {
    for (const line of lines) {
      const id = ID.exec(line);
      if (id) {
        const returnCode = lines.map((l) => RETURN_CODE.exec(l)?.[1]).find((c) => c !== undefined);
        return { kind: "transaction", id: Number(id[1]), ...(returnCode ? { returnCode } : {}) };
      }
    }
    return { kind: "unrecognised", text: rawOutputText(output) };
  }
  if ([...lines, ...errors].includes("No transactions")) return { kind: "none" };
  const failure = classifyHostFailure(output);
  if (failure.code === "command-failed" && output.exitCode === null) {
    return { kind: "unrecognised", text: rawOutputText(output) };
  }
  return { kind: "failed", failure };
}
