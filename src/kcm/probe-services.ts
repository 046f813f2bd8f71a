import { connect } from "node:net";

/** Where a host's services answer, from the inventory's `health`. */
export interface ProbeTarget {
  address: string;
  webUrl?: string;
  guacdPort?: number;
}

function tcpOpen(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * Checks from outside the host that the web application answers HTTP 2xx
 * and guacd accepts connections, a few times over `withinMs` (a web app
 * takes a moment to come up after `systemctl start`).
 */
export async function probeServices(
  target: ProbeTarget,
  options: { withinMs?: number; sleep?: (ms: number) => Promise<void> } = {},
): Promise<{ ok: boolean; detail: string }> {
  const deadline = Date.now() + (options.withinMs ?? 30_000);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (;;) {
    const problems: string[] = [];
    if (target.webUrl) {
      const status = await fetch(target.webUrl, { signal: AbortSignal.timeout(5000) }).then(
        (r) => r.status,
        (e: unknown) => (e instanceof Error ? e.message : String(e)),
      );
      if (typeof status !== "number" || status < 200 || status >= 300) {
        problems.push(`${target.webUrl} answered ${status}`);
      }
    }
    if (target.guacdPort && !(await tcpOpen(target.address, target.guacdPort, 3000))) {
      problems.push(`guacd is not accepting connections on ${target.address}:${target.guacdPort}`);
    }
    if (problems.length === 0) {
      const what = [
        target.webUrl && "web app answers",
        target.guacdPort && "guacd accepts connections",
      ];
      return { ok: true, detail: `health probe: ${what.filter(Boolean).join(", ")}` };
    }
    if (Date.now() > deadline) return { ok: false, detail: problems.join("; ") };
    await sleep(1000);
  }
}
