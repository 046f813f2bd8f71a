import { createServer } from "node:http";
import type { App } from "@slack/bolt";
import { afterEach } from "vitest";
import type { SlackPolicy } from "../../../src/config/inventory-schema.js";
import {
  type Acknowledgement,
  buttonClickBody,
  ConsoleReceiver,
  slashCommandBody,
} from "../../../src/console/console-receiver.js";
import type { UpgradeRequest } from "../../../src/domain/upgrade-request.js";
import type { BotDeps } from "../../../src/slack/bot-deps.js";
import { createSlackApp } from "../../../src/slack/create-slack-app.js";
import {
  MemoryAudit,
  MemoryChat,
  MemoryDeliveries,
  MemoryFleetNotices,
  MemoryFleetView,
  MemoryJobQueue,
  MemoryRequests,
  MemoryRolloutRuns,
  MemoryTaskQueue,
} from "../../support/in-memory-ports.js";
import { afterT0, CHANNEL, SAMPLE_INVENTORY } from "../../support/sample-fleet.js";

/** The sample inventory's slack section: present, as the sample fleet has one. */
export function slackPolicy(): SlackPolicy {
  if (!SAMPLE_INVENTORY.slack) throw new Error("the sample inventory lost its slack section");
  return SAMPLE_INVENTORY.slack;
}

/** The clock of every test: requests are made at T0 and decided five minutes later. */
export const CLICK_TIME = afterT0(5);

/** One private answer posted to a response URL: to whom (the URL's last part), and what. */
export interface PrivateAnswer {
  user: string;
  body: { text?: string; response_type?: string; replace_original?: boolean };
}

/**
 * Stands in for Slack's response URLs (`${url}/<user>`): records every
 * answer, whole, in order. Answers are recorded before the HTTP reply, so
 * once Bolt's `respond` resolves the answer is here.
 */
async function startResponseCapture(): Promise<{
  url: string;
  answers: PrivateAnswer[];
  close: () => Promise<void>;
}> {
  const answers: PrivateAnswer[] = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on("end", () => {
      answers.push({
        user: decodeURIComponent((request.url ?? "/").slice(1)),
        body: JSON.parse(body) as PrivateAnswer["body"],
      });
      response.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    answers,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The text a listener acknowledged a payload with, if any. */
export function ackText(ack: Acknowledgement): string | undefined {
  return typeof ack === "string" ? ack : ack?.text;
}

/**
 * The bot's real Bolt app over in-memory ports, fed payloads shaped as Slack
 * sends them through the console receiver. Every port is there to read
 * afterwards; `privately` holds what went to people's response URLs.
 */
export interface SlackAppHarness {
  requests: MemoryRequests;
  chat: MemoryChat;
  tasks: MemoryTaskQueue;
  jobs: MemoryJobQueue;
  audit: MemoryAudit;
  /** The last scheduled check's state, as a notice's button reads it. */
  notices: MemoryFleetNotices;
  privately: PrivateAnswer[];
  responseUrl(user: string): string;
  /** `/kcm <text>` typed by `user`; resolves to the private answer the command was acked with. */
  command(
    user: string,
    text: string,
    options?: { channel?: string; triggerId?: string },
  ): Promise<string | undefined>;
  /** `user` clicks the button `actionId` of request `requestId`. Resolves to the ack. */
  click(
    user: string,
    actionId: string,
    requestId: string,
    options?: { channel?: string },
  ): Promise<Acknowledgement>;
  /** Any payload, as is. */
  send(body: Record<string, unknown>): Promise<Acknowledgement>;
  stop(): Promise<void>;
}

/** Starts the bot's app over fresh in-memory ports, with `options.requests` already stored. */
export async function startSlackApp(
  options: { slack?: SlackPolicy; requests?: readonly UpgradeRequest[] } = {},
): Promise<SlackAppHarness> {
  const slack = options.slack ?? slackPolicy();
  const requests = new MemoryRequests();
  for (const request of options.requests ?? []) await requests.create(request);
  const chat = new MemoryChat();
  const tasks = new MemoryTaskQueue();
  const jobs = new MemoryJobQueue();
  const audit = new MemoryAudit();
  const notices = new MemoryFleetNotices();
  const deps: BotDeps = {
    inventory: SAMPLE_INVENTORY,
    slack,
    approvalPolicy: () => ({
      approvers: new Set(slack.approvers),
      expiryMinutes: slack.requestExpiryMinutes,
    }),
    requests,
    runs: new MemoryRolloutRuns(),
    chat,
    tasks,
    jobs,
    audit,
    deliveries: new MemoryDeliveries(),
    notices,
    fleet: new MemoryFleetView(),
    threadLink: async () => undefined,
    now: () => CLICK_TIME,
  };
  const responses = await startResponseCapture();
  const receiver = new ConsoleReceiver();
  const errors: string[] = [];
  const app: App = createSlackApp(
    { mode: "receiver", botToken: "xoxb-test", botId: "B0TEST", botUserId: "U0BOT", receiver },
    deps,
    { log: (line) => errors.push(line) },
  );
  await app.start();
  const responseUrl = (user: string) => `${responses.url}/${user}`;
  let triggers = 0;
  const send = async (body: Record<string, unknown>) => {
    const ack = await receiver.send(body);
    // A listener that throws reaches the app's error handler: no test expects one.
    if (errors.length > 0) throw new Error(`the app reported: ${errors.join("; ")}`);
    return ack;
  };
  return {
    requests,
    chat,
    tasks,
    jobs,
    audit,
    notices,
    privately: responses.answers,
    responseUrl,
    send,
    command: async (user, text, given = {}) =>
      ackText(
        await send(
          slashCommandBody({
            user,
            channel: given.channel ?? CHANNEL,
            text,
            triggerId: given.triggerId ?? `1234.5678.${++triggers}`,
            responseUrl: responseUrl(user),
          }),
        ),
      ),
    click: (user, actionId, requestId, given = {}) =>
      send(
        buttonClickBody({
          user,
          channel: given.channel ?? CHANNEL,
          actionId,
          requestId,
          responseUrl: responseUrl(user),
        }),
      ),
    stop: async () => {
      await app.stop();
      await responses.close();
    },
  };
}

/** Starts the bot's app for the calling test (with `options`), and stops it after each test. */
export function useSlackApp(): (
  options?: Parameters<typeof startSlackApp>[0],
) => Promise<SlackAppHarness> {
  let running: SlackAppHarness | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });
  return async (options) => {
    running = await startSlackApp(options);
    return running;
  };
}
