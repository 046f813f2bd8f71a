import type { CommandOutput } from "./command-output.js";

/** Where a detached yum transaction stands (see `transactionStatus` in commands.ts). */
export type TransactionStatus =
  | { state: "finished"; exitCode: number; log: string }
  | { state: "running"; log: string }
  | { state: "vanished"; log: string }
  | { state: "absent" }
  | { state: "unrecognised"; text: string };

/** Reads the first line (`finished N`, `running`, `vanished`, `absent`); the rest is yum's log. */
export function parseTransactionStatus(output: CommandOutput): TransactionStatus {
  const newline = output.stdout.indexOf("\n");
  const first = (newline < 0 ? output.stdout : output.stdout.slice(0, newline)).trim();
  const log = newline < 0 ? "" : output.stdout.slice(newline + 1);
  if (output.exitCode === 0) {
    const finished = /^finished (\d+)$/.exec(first);
    if (finished) return { state: "finished", exitCode: Number(finished[1]), log };
    if (first === "running" || first === "vanished") return { state: first, log };
    if (first === "absent") return { state: "absent" };
  }
  return { state: "unrecognised", text: `${output.stdout}${output.stderr}` };
}
