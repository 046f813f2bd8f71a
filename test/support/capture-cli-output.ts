import type { CliOutput } from "../../src/cli/run-check.js";

/** A CliOutput that keeps what a command printed: each `out` call, and the text of both streams. */
export function captureCliOutput(): CliOutput & {
  outCalls: string[];
  stdout: () => string;
  stderr: () => string;
} {
  const outCalls: string[] = [];
  const errLines: string[] = [];
  return {
    out: (text) => void outCalls.push(text),
    err: (text) => void errLines.push(text),
    drain: async () => {},
    outCalls,
    stdout: () => outCalls.map((t) => `${t}\n`).join(""),
    stderr: () => errLines.map((t) => `${t}\n`).join(""),
  };
}
