/**
 * The KCM lab from a terminal:
 *   npm run lab -- up [N] [--release 2.23.1] [--publish 2.24.1] [--layout standalone|tomcat|mixed]
 *   npm run lab -- status
 *   npm run lab -- publish <host> <release> [--url http://127.0.0.1:PORT]
 *   npm run lab -- serve [--rate BYTES_PER_SECOND]
 *   npm run lab -- fault <host> <fault> on|off|<argument>
 *   npm run lab -- kill-sshd <host> | start-sshd <host>
 *   npm run lab -- down [--accounts]
 */

import { writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  buildLab,
  createLabHost,
  destroyAllLabHosts,
  findLabHost,
  HOST_FAULTS,
  type HostFault,
  type LabHost,
  type Layout,
  listLabHosts,
  RELEASES,
  type Release,
  startLabRepoServer,
} from "./lab.js";
import { ALWAYS_OPEN_WINDOW, labInventoryYaml } from "./lab-inventory.js";
import { labPaths } from "./lab-paths.js";

function asRelease(value: string): Release {
  if (!(RELEASES as readonly string[]).includes(value)) {
    throw new Error(`unknown release "${value}"; the lab has ${RELEASES.join(", ")}`);
  }
  return value as Release;
}

function repoDescription(host: LabHost, release: Release): string {
  const base = host.record.repoBaseUrls?.[release];
  return base === undefined ? release : `${release} (${base}/${release})`;
}

async function describe(host: LabHost): Promise<string> {
  const units = host.record.layout === "standalone" ? ["guacamole", "guacd"] : ["tomcat", "guacd"];
  const states = await Promise.all(units.map(async (u) => `${u} ${await host.unitState(u)}`));
  const version = (await host.installed()).get("kcm-guacamole") ?? "?";
  return [
    `${host.name}  ${host.address}:${host.port}  user ${host.user}  ${host.record.layout}  kcm ${version}  (${states.join(", ")})`,
    `  host key  ${host.record.hostPublicKey.split(" ")[0]} ${host.record.hostKeyFingerprint}`,
    `  repos     ${host.record.published.map((r) => repoDescription(host, r)).join(", ")}`,
    `  ssh       ssh -i ${host.privateKeyPath} -p ${host.port} -o UserKnownHostsFile=${host.knownHostsPath} ${host.user}@${host.address} 'sudo -n ${host.helperPath} list-updates'`,
  ].join("\n");
}

/** Writes an inventory of every lab host to <lab>/inventory.yml, for `kcm-chatops check`. */
async function writeLabInventory(): Promise<string> {
  const file = path.join(labPaths.root, "inventory.yml");
  const hosts = await listLabHosts();
  await writeFile(
    file,
    labInventoryYaml(hosts, {
      groups: { lab: hosts.map((h) => h.name) },
      // A window that is always open, so a demo upgrade runs as soon as it is approved.
      windows: {
        anytime: ALWAYS_OPEN_WINDOW,
      },
      defaultWindow: "anytime",
      // The console demo's people: bob approves (see src/console/run-console.ts).
      slack: { channels: ["C0CONSOLE1"], approvers: ["U0BOB"], requestExpiryMinutes: 60 },
    }),
  );
  return file;
}

async function up(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      release: { type: "string", default: "2.23.1" },
      publish: { type: "string", multiple: true, default: ["2.24.1"] },
      layout: { type: "string", default: "mixed" },
    },
  });
  const count = Number(positionals[0] ?? 3);
  if (!Number.isInteger(count) || count < 1 || count > 50)
    throw new Error("up takes a host count from 1 to 50");
  const layouts: Layout[] = ["standalone", "tomcat"];
  if (values.layout !== "mixed" && !layouts.includes(values.layout as Layout)) {
    throw new Error(`--layout is standalone, tomcat or mixed, not "${values.layout}"`);
  }
  const started = performance.now();
  const { built } = await buildLab();
  const hosts = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      createLabHost({
        release: asRelease(values.release),
        publish: values.publish.filter((r) => r !== "").map(asRelease),
        // "mixed": every third host has the legacy tomcat layout.
        layout:
          values.layout === "mixed"
            ? i % 3 === 2
              ? "tomcat"
              : "standalone"
            : (values.layout as Layout),
      }),
    ),
  );
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `${count} lab host(s) up in ${seconds} s${built ? " (packages built first)" : ""}:\n`,
  );
  for (const host of hosts) console.log(`${await describe(host)}\n`);
  const inventory = await writeLabInventory();
  console.log(`An inventory of the lab's hosts is in ${inventory}. Check them all:`);
  console.log(`  KCM_INVENTORY=${inventory} npm run cli -- check all\n`);
  console.log("Faults: npm run lab -- fault <host> <fault> on|off, with <fault> one of:");
  console.log(`  ${HOST_FAULTS.join(", ")}`);
  console.log("Remove them all: npm run lab -- down");
}

/** Serves the lab's repositories over rate-limited HTTP until interrupted. */
async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { rate: { type: "string", default: String(4 * 1024 * 1024) } },
  });
  const bytesPerSecond = Number(values.rate);
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) {
    throw new Error(`--rate is bytes per second, a positive number, not "${values.rate}"`);
  }
  await buildLab();
  const server = await startLabRepoServer({ bytesPerSecond });
  console.log(`serving ${labPaths.repos} at ${server.url}, ${bytesPerSecond} bytes/s in all`);
  console.log(`  npm run lab -- publish <host> 2.25.0 --url ${server.url}`);
  console.log("Ctrl-C stops it; hosts published from it then find their repository unreachable.");
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await server.stop();
  console.log(`served ${server.requests()} request(s), ${server.bytesServed()} body bytes`);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case "build":
      console.log((await buildLab()).built ? "built" : "already built");
      return;
    case "up":
      return up(rest);
    case "status": {
      const hosts = await listLabHosts();
      if (hosts.length === 0) console.log("no lab hosts (npm run lab -- up 3)");
      for (const host of hosts) console.log(`${await describe(host)}\n`);
      return;
    }
    case "publish": {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { url: { type: "string" } },
      });
      const [name, release] = positionals;
      if (!name || !release) throw new Error("usage: publish <host> <release> [--url URL]");
      await (await findLabHost(name)).publish(
        asRelease(release),
        values.url === undefined ? {} : { baseUrl: values.url },
      );
      console.log(`published ${release} to ${name}${values.url ? ` from ${values.url}` : ""}`);
      return;
    }
    case "serve":
      return serve(rest);
    case "fault": {
      const [name, fault, value = "on"] = rest;
      if (!name || !fault || !(HOST_FAULTS as readonly string[]).includes(fault)) {
        throw new Error(`usage: fault <host> <${HOST_FAULTS.join("|")}> on|off|<argument>`);
      }
      const on = value === "on" ? true : value === "off" ? false : value;
      await (await findLabHost(name)).fault(fault as HostFault, on);
      console.log(`${fault} ${value} on ${name}`);
      return;
    }
    case "kill-sshd":
    case "start-sshd": {
      const host = await findLabHost(rest[0] ?? "");
      await (command === "kill-sshd" ? host.killSshd() : host.startSshd());
      console.log(`${command} ${host.name}: done`);
      return;
    }
    case "down": {
      const removed = await destroyAllLabHosts({ removeAccounts: rest.includes("--accounts") });
      console.log(`removed ${removed} lab host(s)`);
      return;
    }
    default:
      throw new Error(
        "usage: npm run lab -- up [N] | status | publish <host> <release> [--url URL] | serve [--rate BYTES_PER_SECOND] | fault <host> <fault> on|off | kill-sshd <host> | start-sshd <host> | down [--accounts]",
      );
  }
}

if (process.getuid?.() !== 0) {
  console.error(
    "lab: the KCM lab needs root (it adds accounts and sudoers files): run it with sudo",
  );
  process.exit(1);
}
main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
