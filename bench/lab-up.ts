/**
 * How long the KCM lab takes to bring hosts up: three hosts made at once (as
 * `npm run lab -- up 3` does) beside the baseline of making them one after
 * another, and the memory an idle host costs. Needs root, like the lab.
 *   npm run bench:lab [-- rounds]
 */
import { buildLab, createLabHost, type LabHost } from "../test/lab/lab.js";
import { listProcesses } from "../test/lab/lab-processes.js";

const rounds = Number(process.argv[2] ?? 3);
const HOSTS = 3;

async function timed(make: () => Promise<LabHost[]>): Promise<{ ms: number; hosts: LabHost[] }> {
  const start = performance.now();
  const hosts = await make();
  return { ms: performance.now() - start, hosts };
}

async function rssOfHosts(hosts: LabHost[]): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  const processes = await listProcesses();
  let kb = 0;
  for (const p of processes) {
    if (!hosts.some((h) => p.cmdline.includes(` ${h.address} `) || p.cmdline.includes(`${h.dir}/`)))
      continue;
    const status = await readFile(`/proc/${p.pid}/status`, "utf8").catch(() => "");
    kb += Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  }
  return kb / 1024;
}

const make = () => createLabHost({ release: "2.23.1", publish: ["2.24.1"] });
await buildLab();
const results: { sequential: number[]; parallel: number[]; mb: number[] } = {
  sequential: [],
  parallel: [],
  mb: [],
};
for (let round = 0; round < rounds; round++) {
  const seq = await timed(async () => {
    const hosts: LabHost[] = [];
    for (let i = 0; i < HOSTS; i++) hosts.push(await make());
    return hosts;
  });
  await Promise.all(seq.hosts.map((h) => h.destroy()));
  const par = await timed(() => Promise.all(Array.from({ length: HOSTS }, make)));
  results.mb.push((await rssOfHosts(par.hosts)) / HOSTS);
  await Promise.all(par.hosts.map((h) => h.destroy()));
  results.sequential.push(seq.ms);
  results.parallel.push(par.ms);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
console.log(
  `lab: ${HOSTS} hosts from scratch, median of ${rounds} rounds (node ${process.version})`,
);
console.log("                          time      per host");
for (const [label, xs] of [
  ["one after another (base)", results.sequential],
  ["all at once (lab up)", results.parallel],
] as const) {
  const ms = median(xs);
  console.log(
    `  ${label.padEnd(24)} ${(ms / 1000).toFixed(2).padStart(5)} s  ${(ms / HOSTS / 1000).toFixed(2)} s`,
  );
}
console.log(`  memory per idle host (sshd + units): ${median(results.mb).toFixed(1)} MB RSS`);
