import { createServer } from "node:http";
import type { App } from "@slack/bolt";
import type { SlackPolicy } from "../../../src/config/inventory-schema.js";
import { parseInventory } from "../../../src/config/parse-inventory.js";
import {
  type Acknowledgement,
  buttonClickBody,
  ConsoleReceiver,
  slashCommandBody,
} from "../../../src/console/console-receiver.js";
import { makeUpgradePlan } from "../../../src/domain/upgrade-plan.js";
import {
  type NewRequestInput,
  newRequest,
  type UpgradeRequest,
} from "../../../src/domain/upgrade-request.js";
import type { BotDeps } from "../../../src/slack/bot-deps.js";
import { createSlackApp } from "../../../src/slack/create-slack-app.js";
import {
  MemoryAudit,
  MemoryChat,
  MemoryJobQueue,
  MemoryRequests,
  MemoryTaskQueue,
} from "../../support/in-memory-ports.js";

export const CHANNEL = "C0KCMOPS01";
export const OTHER_CHANNEL = "C0OTHER01";
/** Asks for upgrades. */
export const ALICE = "U0ALICE";
/** Approves; not on the requesters list. */
export const BOB = "U0BOB";
/** Asks for upgrades; does not approve. */
export const CAROL = "U0CAROL";
/** Approves, and asks. */
export const DAVE = "U0DAVE";
/** In the channel, nothing more. */
export const EVE = "U0EVE";

/** Three hosts (two in the `web` group), one window, and who may do what in which channel. */
export const INVENTORY = parseInventory(
  `
defaults:
  user: kcm
  privateKey: /keys/id_ed25519
  window: nightly
windows:
  nightly:
    timeZone: UTC
    days: [mon, tue, wed, thu, fri, sat, sun]
    start: "02:00"
    durationMinutes: 120
hosts:
  - name: web1
    address: 10.0.0.1
    hostKey: SHA256:nLF/WwxaonO/+Fxv8K4yuWHDnLFkkbazJMT3YbBiI2E
  - name: web2
    address: 10.0.0.2
    hostKey: SHA256:B4Y2mrdTBEI2euQk6CojveBY7aBeNyyNMhh1sMtGyRg
  - name: db1
    address: 10.0.0.3
    hostKey: SHA256:hJH8vhlQ2OAwF7hi2M25jxXwfRAwQ8XN6b18OFIimvs
    layout: tomcat
groups:
  web: [web1, web2]
slack:
  channels: [${CHANNEL}]
  approvers: [${BOB}, ${DAVE}]
  requesters: [${ALICE}, ${CAROL}, ${DAVE}]
`,
  "slack-app-harness",
);

/** The inventory's slack section: present, as the YAML above has one. */
export function slackPolicy(): SlackPolicy {
  if (!INVENTORY.slack) throw new Error("the test inventory lost its slack section");
  return INVENTORY.slack;
}

/** The clock of every test: requests are made at T0 and decided five minutes later. */
export const T0 = new Date("2026-11-26T12:00:00Z");
export const CLICK_TIME = new Date(T0.getTime() + 5 * 60_000);

/** A pending upgrade of web1 (kcm-guacd 2.23.1 → 2.24.1) that Alice asked for at T0. */
export function pendingRequest(changes: Partial<NewRequestInput> = {}): UpgradeRequest {
  const host = changes.host ?? "web1";
  const plan = makeUpgradePlan(host, [
    {
      name: "kcm-guacd",
      arch: "x86_64",
      from: { epoch: 0, version: "2.23.1", release: "1.el8" },
      to: { epoch: 0, version: "2.24.1", release: "1.el8" },
    },
  ]);
  return newRequest(
    {
      id: "r-0k3j9x2a",
      kind: "upgrade",
      host,
      plan,
      requestedBy: ALICE,
      channel: CHANNEL,
      when: { kind: "next-window" },
      runWindow: {
        start: new Date("2026-11-27T02:00:00Z"),
        end: new Date("2026-11-27T04:00:00Z"),
      },
      emergency: false,
      ...changes,
    },
    { approvers: new Set(slackPolicy().approvers), expiryMinutes: 60 },
    T0,
  );
}

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
  const deps: BotDeps = {
    inventory: INVENTORY,
    slack,
    approvalPolicy: () => ({
      approvers: new Set(slack.approvers),
      expiryMinutes: slack.requestExpiryMinutes,
    }),
    requests,
    chat,
    tasks,
    jobs,
    audit,
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
