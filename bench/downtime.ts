import { buildLab, createLabHost, type LabHost } from "../test/lab/lab.js";
import { startLabRepoServer } from "../test/lab/lab-repo-server.js";
import { runCommand } from "../test/lab/run-command.js";
import { upgradeInProcess } from "./upgrade-in-process.js";

const ROUNDS = Number(process.argv[2] ?? 3);
const RATE = Number(process.argv[3] ?? 4 * 1024 * 1024);

async function freshHost(name: string, url: string): Promise<LabHost> {
  const host = await createLabHost({ name, release: "2.24.1" });
  await host.publish("2.25.0", { baseUrl: url });
  return host;
}

/**
 * The manual procedure as an administrator runs it in a root shell on the
 * host (its own yum and systemctl), timed there from the stop to the start's return.
 */
async function manual(host: LabHost): Promise<number> {
  await host.asRoot("yum", ["list", "updates", "kcm-*"]); // the check an operator runs first
  const result = await runCommand("bash", [
    "-c",
    `PATH=${host.binDir}:$PATH; t0=$(date +%s%N); systemctl stop guacamole guacd && yum upgrade -y "kcm-*" >/dev/null && systemctl start guacamole guacd; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 ))`,
  ]);
  if (result.code !== 0) throw new Error(`manual upgrade failed: ${result.stderr}`);
  return Number(result.stdout.trim());
}

/** Time covered by at least one of the intervals. */
function covered(intervals: [number, number][]): number {
  let total = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const [a, b] of [...intervals].sort((x, y) => x[0] - y[0])) {
    if (b <= end) continue;
    total += b - Math.max(a, end);
    end = b;
  }
  return total;
}

async function ours(
  host: LabHost,
): Promise<{ downtimeMs: number; totalMs: number; overheadMs: number }> {
  const inSsh: [number, number][] = [];
  const { outcome, totalMs } = await upgradeInProcess(
    host,
    (shell) => ({
      exec: async (command, options) => {
        const a = performance.now();
        try {
          return await shell.exec(command, options);
        } finally {
          inSsh.push([a, performance.now()]);
        }
      },
      close: () => shell.close(),
    }),
    (began, ready) => inSsh.push([began, ready]),
  );
  if (outcome.kind !== "upgraded") throw new Error(`runbook ended ${outcome.kind}`);
  return { downtimeMs: outcome.downtimeMs, totalMs, overheadMs: totalMs - covered(inSsh) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

await buildLab();
const server = await startLabRepoServer({ bytesPerSecond: RATE });
const results = {
  manual: [] as number[],
  ours: [] as number[],
  total: [] as number[],
  overhead: [] as number[],
};
try {
  for (let round = 0; round < ROUNDS; round++) {
    const [a, b] = await Promise.all([
      freshHost("manual", server.url),
      freshHost("chatops", server.url),
    ]);
    try {
      results.manual.push(await manual(a));
      const r = await ours(b);
      results.ours.push(r.downtimeMs);
      results.total.push(r.totalMs);
      results.overhead.push(r.overheadMs);
    } finally {
      await Promise.all([a.destroy(), b.destroy()]);
    }
  }
} finally {
  await server.stop();
}
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
console.log(
  `downtime of one upgrade, 2.24.1 → 2.25.0 (8 MiB) at ${(RATE / 1024 / 1024).toFixed(1)} MiB/s, median of ${ROUNDS} (node ${process.version})`,
);
console.log(`  manual procedure (stop, yum upgrade, start)   ${s(median(results.manual))}`);
console.log(`  kcm-chatops runbook (prefetch, then stop...)  ${s(median(results.ours))}`);
console.log(
  `  ratio kcm-chatops / manual: ${(median(results.ours) / median(results.manual)).toFixed(2)}`,
);
console.log(
  `  kcm-chatops job total ${s(median(results.total))}; orchestration overhead (total minus time connecting and in SSH commands) ${median(results.overhead).toFixed(0)} ms`,
);
