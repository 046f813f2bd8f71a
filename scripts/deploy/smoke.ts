/**
 * The compose smoke test (run by scripts/test-deploy.sh, which builds the
 * image first): the project's docker-compose.yml with an override for this
 * machine (host networking on loopback, the fake Slack in Socket Mode, a
 * lab host in the inventory), then, as a user would:
 *   - the bot connects;
 *   - the SSH key as root owns it (0600): the worker says it cannot read it,
 *     who owns it, and how to fix it; so does `doctor` in the container;
 *   - the key given to the image's user: /kcm upgrade → approve → a worker
 *     container upgrades the lab host, and the thread is complete;
 *   - --scale worker=2;
 *   - down -v leaves nothing behind.
 * Cleans up on every way out. Prints its figures; exits non-zero on a failure.
 */
import { execFile } from "node:child_process";
import { chmod, chown, copyFile, mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { parse, stringify } from "yaml";
import { REQUEST_ACTIONS } from "../../src/slack/blocks/request-blocks.js";
import { buildLab, createLabHost, type LabHost } from "../../test/lab/lab.js";
import { labInventoryYaml } from "../../test/lab/lab-inventory.js";
import { labPaths } from "../../test/lab/lab-paths.js";
import type { FakeMessage } from "../../test/support/fake-slack/fake-slack-types.js";
import { type FakeSlack, startFakeSlack } from "../../test/support/fake-slack/start-fake-slack.js";
import { freePort } from "../../test/support/free-port.js";
import { buttonClick, slashCommand } from "../../test/support/slack-signer.js";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");
const WORK = process.env["KCM_DEPLOY_WORK"] ?? "/var/tmp/kcm-deploy/project";
const REDIS_IMAGE = process.env["KCM_DEPLOY_REDIS_IMAGE"] ?? "redis:7.2-alpine";
const PROJECT = "kcmsmoke";
const CHANNEL = "C0KCMOPS01";
const ALICE = "U0ALICE";
const BOB = "U0BOB";
/** The image's user (the official Node image's `node`). */
const NODE_UID = 1000;

const compose = (...args: string[]) =>
  run(
    "docker-compose",
    [
      "--project-name",
      PROJECT,
      "--project-directory",
      WORK,
      "-f",
      path.join(ROOT, "docker-compose.yml"),
      "-f",
      path.join(WORK, "smoke.yml"),
      ...args,
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );

const figures: string[] = [];
const step = (line: string) => console.log(`test:deploy: ${line}`);

async function until(test: () => boolean | Promise<boolean>, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Everything Slack was told (messages, ephemerals, response_url posts), as text. */
function everything(slack: FakeSlack): string {
  return JSON.stringify([slack.messages(CHANNEL), slack.ephemerals(), slack.calls]);
}

async function writeProject(slack: FakeSlack, host: LabHost, redisPort: number) {
  await rm(WORK, { recursive: true, force: true });
  await mkdir(path.join(WORK, "config"), { recursive: true });
  const inventory = parse(
    labInventoryYaml([host], {
      slack: { channels: [CHANNEL], approvers: [BOB] },
      windows: {
        always: {
          timeZone: "UTC",
          days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
          start: "00:00",
          durationMinutes: 1440,
        },
      },
      defaultWindow: "always",
    }),
  ) as { defaults: Record<string, unknown> };
  // The key's path inside the containers (./config is mounted at /etc/kcm-chatops).
  inventory.defaults["privateKey"] = "/etc/kcm-chatops/id_ed25519";
  await writeFile(path.join(WORK, "config", "inventory.yml"), stringify(inventory));
  const key = path.join(WORK, "config", "id_ed25519");
  await copyFile(labPaths.clientKey, key);
  await chown(key, 0, 0);
  await chmod(key, 0o600);
  await writeFile(
    path.join(WORK, ".env"),
    [
      `SLACK_BOT_TOKEN=${slack.token}`,
      `SLACK_APP_TOKEN=${slack.socketMode.appToken}`,
      "KCM_SLACK_MODE=socket",
      `SLACK_API_URL=${slack.apiUrl}`,
      "KCM_SLACK_RECONNECT_MIN_MS=200",
      "KCM_SLACK_RECONNECT_MAX_MS=2000",
      "",
    ].join("\n"),
  );
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  // Every container on the host's network, on loopback only.
  const override = {
    services: {
      redis: {
        image: REDIS_IMAGE,
        network_mode: "host",
        command: [
          "redis-server",
          "--bind",
          "127.0.0.1",
          "--port",
          String(redisPort),
          "--dir",
          "/data",
          "--appendonly",
          "yes",
          "--maxmemory-policy",
          "noeviction",
        ],
        healthcheck: { test: ["CMD", "redis-cli", "-p", String(redisPort), "ping"] },
      },
      bot: { network_mode: "host", environment: { REDIS_URL: redisUrl } },
      worker: { network_mode: "host", environment: { REDIS_URL: redisUrl } },
    },
  };
  // JSON is YAML whose strings are quoted: docker-compose's YAML 1.1 reads a bare yes as true.
  await writeFile(path.join(WORK, "smoke.yml"), JSON.stringify(override, null, 2));
  return key;
}

async function command(slack: FakeSlack, text: string) {
  const delivery = await slack.socketMode.deliver(
    "slash_commands",
    slashCommand({ user: ALICE, channel: CHANNEL, text, responseUrl: slack.responseUrl() }),
  );
  if (!delivery.ack) throw new Error(`/kcm ${text} was never acknowledged`);
  return delivery;
}

async function main(): Promise<void> {
  await buildLab();
  const slack = await startFakeSlack({
    channels: [{ id: CHANNEL, name: "kcm-ops" }],
    users: [
      { id: ALICE, name: "alice" },
      { id: BOB, name: "bob" },
    ],
  });
  let host: LabHost | undefined;
  try {
    host = await createLabHost({ name: "deploy-1", release: "2.23.1", publish: ["2.24.1"] });
    const key = await writeProject(slack, host, await freePort());

    const up = Date.now();
    await compose("up", "-d", "--no-build");
    await slack.socketMode.connected(120_000);
    figures.push(`compose up to the bot connected: ${((Date.now() - up) / 1000).toFixed(1)} s`);
    step("the bot connected over Socket Mode");

    // The key as root left it: the containers' user cannot read it, and says so.
    const unreadable = `owned by uid 0 with mode 0600, and kcm-chatops runs as uid ${NODE_UID}`;
    await command(slack, "upgrade deploy-1");
    await until(
      () => everything(slack).includes(unreadable),
      60_000,
      "the unreadable key's reason",
    );
    const doctor = await compose(
      "exec",
      "-T",
      "worker",
      "node",
      "dist/src/cli/kcm-chatops.js",
      "doctor",
    ).catch((error: { stdout?: string; stderr?: string }) => ({
      stdout: error.stdout ?? "",
      stderr: error.stderr ?? "",
    }));
    if (!`${doctor.stdout}${doctor.stderr}`.includes(unreadable))
      throw new Error(
        `doctor in the container did not say why the key is unreadable:\n${doctor.stdout}${doctor.stderr}`,
      );
    step("a root-owned 0600 key: the worker and doctor say who owns it and how to fix it");

    // Given to the image's user, as the README says.
    await chown(key, NODE_UID, NODE_UID);
    const started = Date.now();
    await command(slack, "upgrade deploy-1");
    let root: FakeMessage | undefined;
    await until(
      () => {
        root = slack.messages(CHANNEL).find((m) => m.text.includes(" on deploy-1 ("));
        return root !== undefined;
      },
      60_000,
      "the request",
    );
    const request = root as FakeMessage;
    const requestId = / \((r-[a-z0-9]+)\)/.exec(request.text)?.[1] ?? "";
    const click = JSON.parse(
      buttonClick({
        user: BOB,
        channel: CHANNEL,
        actionId: REQUEST_ACTIONS.approve,
        value: requestId,
        messageTs: request.ts,
        responseUrl: slack.responseUrl(),
      })["payload"] ?? "{}",
    ) as Record<string, unknown>;
    await slack.socketMode.deliver("interactive", click);
    await until(
      () => slack.thread(CHANNEL, request.ts).some((m) => m.text.startsWith("Upgraded")),
      180_000,
      "the upgrade's summary",
    );
    const thread = slack.thread(CHANNEL, request.ts).map((m) => m.text);
    const steps = thread
      .map((t) => /^:white_check_mark: \*([a-z]+)\*/.exec(t)?.[1])
      .filter(Boolean);
    const expected = ["preflight", "layout", "prefetch", "stop", "upgrade", "start", "verify"];
    if (JSON.stringify(steps) !== JSON.stringify(expected))
      throw new Error(`the thread's steps are ${steps.join(", ")}, not ${expected.join(", ")}`);
    if ((await host.lastTransaction()) !== 2) throw new Error("the lab host was not upgraded");
    figures.push(
      `/kcm upgrade to the summary (worker container): ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    step("upgraded the lab host from a worker container; the thread is complete");

    await compose("up", "-d", "--no-build", "--scale", "worker=2");
    const running = async () =>
      (
        await run("docker", [
          "ps",
          "-q",
          "--filter",
          `label=com.docker.compose.project=${PROJECT}`,
          "--filter",
          "label=com.docker.compose.service=worker",
          "--filter",
          "status=running",
        ])
      ).stdout
        .split("\n")
        .filter(Boolean).length;
    await until(async () => (await running()) === 2, 60_000, "two workers");
    await new Promise((r) => setTimeout(r, 3000));
    if ((await running()) !== 2) throw new Error("a second worker did not stay up");
    step("--scale worker=2: two workers running");
  } finally {
    await compose("down", "-v", "--remove-orphans").catch((error: Error) =>
      console.error(`test:deploy: compose down failed: ${error.message}`),
    );
    await host?.destroy().catch(() => undefined);
    await slack.stop();
  }
  const left = await Promise.all(
    [
      ["ps", "-aq"],
      ["volume", "ls", "-q"],
      ["network", "ls", "-q"],
    ].map(async (args) =>
      (
        await run("docker", [...args, "--filter", `label=com.docker.compose.project=${PROJECT}`])
      ).stdout.trim(),
    ),
  );
  if (left.some(Boolean))
    throw new Error(`compose down -v left containers, volumes or networks: ${left.join(" | ")}`);
  step("compose down -v left no container, volume or network");
  await rm(WORK, { recursive: true, force: true });
  for (const figure of figures) step(figure);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`test:deploy: FAILED: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
