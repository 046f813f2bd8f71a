import { readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

interface ProcessEntry {
  pid: number;
  ppid: number;
  uid: number;
  cmdline: string;
}

/** A snapshot of /proc: every process's pid, parent, real uid and command line. */
export async function listProcesses(): Promise<ProcessEntry[]> {
  const entries: ProcessEntry[] = [];
  for (const name of await readdir("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    try {
      const status = await readFile(`/proc/${pid}/status`, "utf8");
      const cmdline = (await readFile(`/proc/${pid}/cmdline`, "utf8")).replaceAll("\0", " ").trim();
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? -1);
      entries.push({ pid, ppid, uid, cmdline });
    } catch {
      // The process ended while we looked.
    }
  }
  return entries;
}

/** `root` and every process descended from it. */
export function descendantsOf(processes: readonly ProcessEntry[], root: number): number[] {
  const found = [root];
  for (let i = 0; i < found.length; i++) {
    for (const p of processes) if (p.ppid === found[i]) found.push(p.pid);
  }
  return found.filter((pid) => processes.some((p) => p.pid === pid));
}

/** Whether `pid` is a live process (a zombie, dead but not yet reaped, is not). */
export function isAlive(pid: number): boolean {
  try {
    // /proc/<pid>/stat: "pid (comm) S ...", where S is the state letter.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Sends `signal` to each pid that still exists, then waits (up to 5 s) for them to go. */
export async function killAndWait(
  pids: readonly number[],
  signal: NodeJS.Signals = "SIGKILL",
): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
  const deadline = Date.now() + 5000;
  while (pids.some(isAlive) && Date.now() < deadline) await sleep(10);
}
