import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** A process of this repository's TypeScript, its output collected line by line. */
export interface TsxProcess {
  child: ChildProcess;
  /** stdout and stderr, as whole lines, in the order they came. */
  lines: string[];
  /** Resolves with the exit code (or signal name) once the process ends. */
  exited: Promise<number | string>;
}

/**
 * Starts `entry` (e.g. `src/bot.ts`, from the repository's root) in one node
 * process with tsx's loader, so that a signal reaches the program itself,
 * with `env` as its whole environment. `stdin: "pipe"` lets the test type into it.
 */
export function spawnTsx(
  entry: string,
  env: NodeJS.ProcessEnv,
  options: { stdin?: "pipe" | "ignore" } = {},
): TsxProcess {
  const child = spawn(process.execPath, ["--import", "tsx", entry], {
    cwd: ROOT,
    env,
    stdio: [options.stdin ?? "ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const collectLines = () => {
    let buffer = "";
    return (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split("\n");
      buffer = parts.pop() ?? "";
      lines.push(...parts);
    };
  };
  child.stdout?.on("data", collectLines());
  child.stderr?.on("data", collectLines());
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  return { child, lines, exited };
}
