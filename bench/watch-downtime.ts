import { request } from "node:http";
import { WEB_PORT } from "../test/lab/lab-packages.js";

/** Whether the host's web application answers HTTP now (within 300 ms). */
function answers(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: address, port: WEB_PORT, path: "/", timeout: 300 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode === 200));
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

/**
 * Watches a lab host's web application from outside, as its users would,
 * every `everyMs`: `stop()` resolves to how long it did not answer in all
 * (every outage summed) and whether it answered at the end.
 */
export function watchDowntime(address: string, everyMs = 100) {
  let down = 0;
  let last = performance.now();
  let up = true;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const now = performance.now();
      if (!up) down += now - last;
      last = now;
      up = await answers(address);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop(): Promise<{ downMs: number; upAtEnd: boolean }> {
      stopped = true;
      await loop;
      const upAtEnd = await answers(address);
      return { downMs: Math.round(down), upAtEnd };
    },
  };
}
