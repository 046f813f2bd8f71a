import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { labPaths } from "./lab-paths.js";
import { isAlive } from "./lab-processes.js";

/**
 * Runs `work` while holding the lab-wide lock `name`, so that parallel test
 * files do not build repos or edit /etc/passwd at the same time. The lock is a
 * directory (mkdir is atomic) holding the owner's pid; a dead owner's lock is
 * taken over.
 */
export async function withLabLock<T>(name: string, work: () => Promise<T>): Promise<T> {
  await mkdir(labPaths.locks, { recursive: true });
  const dir = path.join(labPaths.locks, `${name}.lock`);
  const owner = path.join(dir, "pid");
  for (;;) {
    try {
      await mkdir(dir);
      await writeFile(owner, String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const pid = Number(await readFile(owner, "utf8").catch(() => ""));
      if (pid > 0 && !isAlive(pid)) await rm(dir, { recursive: true, force: true });
      else await sleep(25);
    }
  }
  try {
    return await work();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
