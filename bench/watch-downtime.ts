import { request } from "node:http";
import { WEB_PORT } from "../test/lab/lab-packages.js";

/** Whether the host's web application answers HTTP 200 now; false after 500 ms whatever happens. */
function answers(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    let responded = false;
    const settle = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(ok);
    };
    const req = request({ host: address, port: WEB_PORT, path: "/" }, (res) => {
      responded = true;
      res.on("data", () => {});
      res.on("end", () => settle(res.statusCode === 200));
      res.on("error", () => settle(false));
      res.on("close", () => settle(res.complete && res.statusCode === 200));
    });
    // A server that accepts and never finishes answering is down, too.
    const timer = setTimeout(() => {
      req.destroy();
      settle(false);
    }, 500);
    req.on("error", () => settle(false));
    req.on("close", () => {
      if (!responded) settle(false);
    });
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
