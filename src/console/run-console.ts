import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { Worker } from "bullmq";
import type { Inventory } from "../config/inventory-schema.js";
import type { AppEnv } from "../config/read-env.js";
import { taskProcessor } from "../queue/process-task.js";
import { upgradeProcessor } from "../queue/process-upgrade-job.js";
import { UPGRADE_QUEUE } from "../queue/queue-names.js";
import { TASK_QUEUE } from "../queue/task-schemas.js";
import { listenerPortsOf } from "../runtime/bot-parts.js";
import { createRuntime } from "../runtime/create-runtime.js";
import { REQUEST_ACTIONS } from "../slack/blocks/request-blocks.js";
import type { BotDeps } from "../slack/bot-deps.js";
import { createSlackApp } from "../slack/create-slack-app.js";
import { consolePosterClient } from "./console-poster-client.js";
import { buttonClickBody, ConsoleReceiver, slashCommandBody } from "./console-receiver.js";
import { plainText } from "./render-blocks.js";
import { startResponseServer } from "./response-server.js";

/** People of the console demo: name → chat user id. */
export const CONSOLE_USERS = new Map([
  ["alice", "U0ALICE"],
  ["bob", "U0BOB"],
  ["carol", "U0CAROL"],
]);

const HELP = [
  "Type /kcm commands as in Slack, e.g. /kcm check all, /kcm upgrade lab-1, /kcm status",
  "Act as someone else: as bob: approve r-xxxxxxxx   (bob approves; alice asks; carol may do neither)",
  "Buttons: approve [id], confirm [id], reject [id], cancel [id]   (no id: the newest open request)",
  "Other: user <name> (switch), help, quit",
].join("\n");

const BUTTONS = {
  approve: REQUEST_ACTIONS.approve,
  confirm: REQUEST_ACTIONS.confirm,
  reject: REQUEST_ACTIONS.reject,
  cancel: REQUEST_ACTIONS.cancel,
} as const;

/**
 * The chat without Slack (like Hubot's shell): the bot's Bolt app, its
 * use cases, queues, workers and reporter (one runtime, as in the bot and
 * the worker), driven from a terminal; the thread of each request prints
 * as it happens. Resolves when the input ends (after the work in flight is
 * done) or on `quit`.
 */
export async function runConsole(options: {
  env: AppEnv;
  inventory: Inventory;
  input: NodeJS.ReadableStream;
  write: (line: string) => void;
}): Promise<void> {
  const { env, inventory, write } = options;
  const slack = inventory.slack;
  if (!slack)
    throw new Error(
      `${inventory.source} has no slack section (channels, approvers) for the console to use`,
    );
  const names = new Map([...CONSOLE_USERS].map(([name, id]) => [id, name]));
  const channel = slack.channels[0] as string;
  // The bot's and the workers' own wiring; only the chat is the terminal.
  const runtime = await createRuntime({
    name: "console",
    env,
    inventory,
    // The terminal is for the conversation, not for the processes' housekeeping.
    log: { info: () => {}, warn: (line) => write(`  (console) ${line}`) },
    chat: {
      client: consolePosterClient(write, names),
      settings: { postIntervalMs: 150, updateIntervalMs: 200, pollMs: 100 },
      log: () => {},
    },
    requestsRedis: "queue",
  });
  const { requests, poster, chat, policy } = runtime;
  if (!poster || !chat) throw new Error("console: the runtime was made without a chat");
  const tell = (who: string, text: string) => {
    for (const line of plainText(text, names).split("\n")) write(`  (only ${who}) ${line}`);
  };
  const responses = await startResponseServer((user, text) => tell(names.get(user) ?? user, text));
  const deps: BotDeps = { ...listenerPortsOf(runtime), slack, approvalPolicy: () => policy };
  // The bot's own Bolt app, its payloads from the terminal instead of Slack.
  const receiver = new ConsoleReceiver();
  const app = createSlackApp(
    {
      mode: "receiver",
      botToken: "xoxb-console",
      botId: "B0CONSOLE",
      botUserId: "U0KCMBOT",
      receiver,
    },
    deps,
    {
      log: (line) => write(`  (console) ${line}`),
    },
  );
  await app.start();
  const stopping = new AbortController();
  const workers = [
    new Worker(
      UPGRADE_QUEUE,
      upgradeProcessor(runtime.upgradeContext({ stopping: stopping.signal })),
      runtime.workerOptions(),
    ),
    new Worker(TASK_QUEUE, taskProcessor(runtime.taskDeps()), runtime.workerOptions()),
  ];
  poster.start();
  let user = "alice";

  const run = async (line: string, as: string): Promise<void> => {
    const id = CONSOLE_USERS.get(as) ?? as;
    const responseUrl = `${responses.url}/${id}`;
    if (line.startsWith("/kcm")) {
      const answer = await receiver.send(
        slashCommandBody({
          user: id,
          channel,
          text: line.slice(4).trim(),
          triggerId: randomBytes(8).toString("hex"),
          responseUrl,
        }),
      );
      const text = typeof answer === "string" ? answer : answer?.text;
      if (text) tell(as, text);
      return;
    }
    const [verb, given] = line.split(/\s+/);
    const actionId = BUTTONS[verb as keyof typeof BUTTONS];
    if (!actionId) {
      tell(as, `I do not know "${line}".\n${HELP}`);
      return;
    }
    const requestId =
      given ??
      (await requests.recent({ limit: 20 })).find(
        (r) => !["succeeded", "failed", "rejected", "cancelled", "expired"].includes(r.state),
      )?.id;
    if (!requestId) {
      tell(as, "There is no open request.");
      return;
    }
    // A refusal comes back privately, through the response URL, as in Slack.
    await receiver.send(buttonClickBody({ user: id, channel, actionId, requestId, responseUrl }));
  };

  write(
    `kcm-chatops console: ${inventory.hosts.length} hosts; you are alice. ${HELP.split("\n")[0]}`,
  );
  write('Type "help" for more.');
  const lines = createInterface({ input: options.input, terminal: false });
  for await (const raw of lines) {
    const line = raw.trim();
    if (line === "") continue;
    if (line === "quit" || line === "exit") break;
    if (line === "help") {
      write(HELP);
      continue;
    }
    const switchTo = /^user\s+(\w+)$/.exec(line)?.[1];
    if (switchTo) {
      user = switchTo;
      write(`  you are ${user} now`);
      continue;
    }
    const as = /^as\s+(\w+)\s*:\s*(.+)$/.exec(line);
    try {
      await (as ? run(as[2] as string, as[1] as string) : run(line, user));
    } catch (error) {
      write(`  (error) ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  // Input ended: let the work in flight finish and its messages print.
  for (;;) {
    const counts = await Promise.all([
      runtime.queues.upgrades.getJobCounts("active", "waiting"),
      runtime.queues.tasks.getJobCounts("active", "waiting"),
    ]);
    if (counts.every((c) => (c["active"] ?? 0) + (c["waiting"] ?? 0) === 0)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await poster.idle();
  stopping.abort();
  await Promise.all(workers.map((w) => w.close()));
  await app.stop();
  await responses.close();
  await runtime.close();
}
