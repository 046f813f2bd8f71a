/**
 * The Slack side, measured on loopback:
 * 1. acknowledgement latency of `/kcm check all` and of a button click
 *    (p50/p99 over N signed requests to the real Bolt app), beside the
 *    baseline of a bare node:http server that only checks the signature;
 *    and of `/kcm check all` over Socket Mode (envelope sent → ack received,
 *    the real Bolt app on a WebSocket), beside a bare WebSocket client that
 *    acks each envelope as it arrives;
 * 2. the Slack API calls one host upgrade makes (request to summary).
 *   REDIS_URL=redis://127.0.0.1:6379 npm run bench:slack [-- N]   (root, for the lab)
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { Queue } from "bullmq";
import { WebSocket } from "ws";
import { bullPrefix } from "../src/queue/queue-names.js";
import { TASK_QUEUE } from "../src/queue/task-schemas.js";
import { REQUEST_ACTIONS } from "../src/slack/blocks/request-blocks.js";
import { createLabHost } from "../test/lab/lab.js";
import { ALICE, BOB, BotHarness, CAROL, CHANNEL } from "../test/support/bot-harness.js";
import { startFakeSlack } from "../test/support/fake-slack/start-fake-slack.js";
import { buttonClick, postSigned, slashCommand } from "../test/support/slack-signer.js";

const N = Number(process.argv[2] ?? 300);
const redisUrl = process.env["REDIS_URL"];
if (!redisUrl) throw new Error("set REDIS_URL (a Redis with maxmemory-policy noeviction)");

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;
const ms = (x: number) => `${x.toFixed(1)} ms`;

/** The least an HTTP endpoint can do for Slack: check the signature, answer 200. */
async function baselineServer(secret: string): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      const ts = String(req.headers["x-slack-request-timestamp"]);
      const expected = Buffer.from(
        `v0=${createHmac("sha256", secret).update(`v0:${ts}:${body}`).digest("hex")}`,
      );
      const given = Buffer.from(String(req.headers["x-slack-signature"]));
      const ok = given.length === expected.length && timingSafeEqual(given, expected);
      res.writeHead(ok ? 200 : 401, { "Content-Type": "application/json" }).end('{"text":"ok"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`,
    close: () => server.close(),
  };
}

/** The least a Socket Mode app can do: open the socket, ack every envelope at once. Its acks' latency. */
async function bareSocketLatencies(): Promise<number[]> {
  const fake = await startFakeSlack();
  const opened = await fetch(`${fake.apiUrl}apps.connections.open`, {
    method: "POST",
    headers: { Authorization: `Bearer ${fake.socketMode.appToken}` },
  });
  const { url } = (await opened.json()) as { url: string };
  const socket = new WebSocket(url);
  socket.on("message", (data) => {
    const message = JSON.parse(String(data)) as { envelope_id?: string };
    if (message.envelope_id)
      socket.send(JSON.stringify({ envelope_id: message.envelope_id, payload: { text: "ok" } }));
  });
  try {
    await fake.socketMode.connected();
    return await latencies(() => overSocket(fake.socketMode, fake.responseUrl()));
  } finally {
    socket.close();
    await fake.stop();
  }
}

/** `/kcm check all` as a Socket Mode envelope, timed from its send to its ack. */
async function overSocket(
  socketMode: Awaited<ReturnType<typeof startFakeSlack>>["socketMode"],
  responseUrl: string,
): Promise<{ status: number; ms: number }> {
  const payload = slashCommand({ user: ALICE, channel: CHANNEL, text: "check all", responseUrl });
  const delivery = await socketMode.deliver("slash_commands", payload, { retries: 0 });
  return { status: delivery.ack ? 200 : 504, ms: delivery.ackMs ?? 0 };
}

async function latencies(send: () => Promise<{ status: number; ms: number }>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < 20; i++) await send(); // warm-up
  for (let i = 0; i < N; i++) {
    const r = await send();
    if (r.status !== 200) throw new Error(`answered ${r.status}`);
    out.push(r.ms);
  }
  return out;
}

const host = await createLabHost({ name: "bench-1", release: "2.23.1", publish: ["2.24.1"] });
const h = new BotHarness(redisUrl, [host]);
const base = await baselineServer(h.secret);
try {
  // No worker yet: the checks only pile up in the queue, to be thrown away.
  await h.start({ worker: false });
  const command = () =>
    postSigned(
      h.url,
      h.secret,
      slashCommand({
        user: ALICE,
        channel: CHANNEL,
        text: "check all",
        responseUrl: h.fake.responseUrl(),
      }),
    );
  const bare = () =>
    postSigned(
      base.url,
      h.secret,
      slashCommand({
        user: ALICE,
        channel: CHANNEL,
        text: "check all",
        responseUrl: h.fake.responseUrl(),
      }),
    );
  const commandMs = await latencies(command);
  const bareMs = await latencies(bare);

  // The same command over Socket Mode: the bot's real app on a socket, and the bare client.
  const socketBot = new BotHarness(redisUrl, [host], undefined, undefined, "socket");
  let socketMs: number[];
  try {
    await socketBot.start({ worker: false });
    socketMs = await latencies(() =>
      overSocket(socketBot.fake.socketMode, socketBot.fake.responseUrl()),
    );
  } finally {
    await socketBot.stop();
  }
  const bareSocketMs = await bareSocketLatencies();

  const tasks = new Queue(TASK_QUEUE, {
    connection: h.workers.redis,
    prefix: bullPrefix(h.workers.prefix),
  });
  await tasks.obliterate({ force: true });
  await tasks.close();
  await h.startWorker();

  // A request to click on: the upgrade that part 2 measures.
  await h.command(ALICE, "upgrade bench-1");
  const root = await h.requestRoot("bench-1");
  const requestId = / \((r-[a-z0-9]+)\)/.exec(root.text)?.[1] ?? "";
  const click = () =>
    postSigned(
      h.url,
      h.secret,
      buttonClick({
        user: CAROL,
        channel: CHANNEL,
        actionId: REQUEST_ACTIONS.approve,
        value: requestId,
        messageTs: root.ts,
        responseUrl: h.fake.responseUrl(),
      }),
    );
  const clickMs = await latencies(click);

  console.log(
    `Slack acknowledgements on loopback, ${N} signed requests each (node ${process.version})`,
  );
  console.log("                                        p50        p99");
  console.log(
    `  bare node:http + signature (baseline)  ${ms(percentile(bareMs, 50)).padEnd(10)} ${ms(percentile(bareMs, 99))}`,
  );
  console.log(
    `  /kcm check all (Bolt, queues a task)   ${ms(percentile(commandMs, 50)).padEnd(10)} ${ms(percentile(commandMs, 99))}`,
  );
  console.log(
    `  button click (Bolt, refused approval)  ${ms(percentile(clickMs, 50)).padEnd(10)} ${ms(percentile(clickMs, 99))}`,
  );
  console.log(
    `  bare WebSocket client, acks at once    ${ms(percentile(bareSocketMs, 50)).padEnd(10)} ${ms(percentile(bareSocketMs, 99))}`,
  );
  console.log(
    `  /kcm check all (Bolt, Socket Mode)     ${ms(percentile(socketMs, 50)).padEnd(10)} ${ms(percentile(socketMs, 99))}`,
  );

  // 2. One upgrade, counted from the approval to the summary.
  const before = h.fake.calls.length;
  await h.click(BOB, REQUEST_ACTIONS.approve, root, "bench-approve");
  await h.workers.until(
    () => h.fake.thread(CHANNEL, root.ts).some((m) => m.text.startsWith("Upgraded")),
    120_000,
    "the summary",
  );
  await new Promise((r) => setTimeout(r, 3000)); // let the last root update go out
  const calls = h.fake.calls.slice(before).filter((c) => c.method !== "response");
  const byMethod = new Map<string, number>();
  for (const c of calls) byMethod.set(c.method, (byMethod.get(c.method) ?? 0) + 1);
  console.log(`Slack API calls for one host upgrade (approval to summary): ${calls.length}`);
  for (const [method, count] of [...byMethod].sort())
    console.log(`  ${method.padEnd(24)} ${count}`);
} finally {
  base.close();
  await h.stop();
  await host.destroy();
}
