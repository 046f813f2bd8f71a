import { randomBytes } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { loadInventory } from "../../src/config/load-inventory.js";
import { readEnv } from "../../src/config/read-env.js";
import { botPartsOf } from "../../src/runtime/bot-parts.js";
import { createRuntime, type Runtime } from "../../src/runtime/create-runtime.js";
import { createPosterClient } from "../../src/slack/poster/index.js";
import { type RunningBot, startBot } from "../../src/slack/start-bot.js";
import { type CreateLabHostOptions, createLabHost, type LabHost } from "../lab/lab.js";
import { ALWAYS_OPEN_WINDOW, labInventoryYaml } from "../lab/lab-inventory.js";
import type { FakeMessage } from "./fake-slack/fake-slack-types.js";
import { type FakeSlack, startFakeSlack } from "./fake-slack/start-fake-slack.js";
import { freePort } from "./free-port.js";
import { ALICE, BOB, CAROL, CHANNEL, DAVE, OTHER_CHANNEL } from "./sample-fleet.js";
import { buttonClick, postSigned, slashCommand } from "./slack-signer.js";
import { UpgradeHarness, type WorkerProcess } from "./worker-harness.js";

export { ALICE, BOB, CAROL, CHANNEL, DAVE, OTHER_CHANNEL };

/**
 * The whole system on one machine: the real Bolt app in HTTP mode (signed
 * requests in), a fake Slack Web API (the real WebClient out), a real worker
 * process, Redis, and lab hosts. Approvers: Bob and Dave; Alice and Carol
 * may only ask.
 */
export class BotHarness {
  readonly secret = randomBytes(16).toString("hex");
  fake!: FakeSlack;
  workers!: UpgradeHarness;
  bot!: RunningBot;
  runtime!: Runtime;
  url = "";
  readonly log: string[] = [];

  constructor(
    readonly redisUrl: string,
    readonly hosts: LabHost[],
    /** The hosts' maintenance window. @defaultValue every day, all day, in UTC (`next-window` is now) */
    readonly window: Record<string, unknown> = ALWAYS_OPEN_WINDOW,
    /** The inventory's groups: a list of hosts, or a mapping (hosts, window, rollout). */
    readonly groups?: Record<string, string[] | Record<string, unknown>>,
    /** How Slack reaches the bot: signed HTTP requests, or envelopes over a Socket Mode socket. */
    readonly mode: "http" | "socket" = "http",
    /** More of the inventory: its `schedule`. */
    readonly sections: { schedule?: Record<string, unknown> } = {},
  ) {}

  /** The worker started with the harness, if any. */
  worker: WorkerProcess | undefined;

  async start(options: { worker?: boolean } = {}): Promise<void> {
    this.fake = await startFakeSlack({
      channels: [
        { id: CHANNEL, name: "kcm-ops" },
        { id: OTHER_CHANNEL, name: "random" },
      ],
      users: [ALICE, BOB, CAROL, DAVE].map((id) => ({ id, name: id.slice(2).toLowerCase() })),
    });
    const inventory = labInventoryYaml(this.hosts, {
      // Every day, all day, in UTC: `next-window` is now.
      windows: { maintenance: this.window },
      defaultWindow: "maintenance",
      ...(this.groups ? { groups: this.groups } : {}),
      slack: { channels: [CHANNEL], approvers: [BOB, DAVE], requestExpiryMinutes: 60 },
      ...this.sections,
    });
    this.workers = new UpgradeHarness(this.redisUrl, this.hosts, inventory);
    await this.workers.setUp();
    const first = await this.startBotInstance();
    this.runtime = first.runtime;
    this.bot = first.bot;
    this.url = first.url;
    if (this.mode === "socket") await this.fake.socketMode.connected();
    if (options.worker ?? true) this.worker = await this.startWorker();
  }

  /**
   * A bot as src/bot.ts wires it (its runtime and Slack app, in this
   * process) on a port of its own, over this harness's Redis, inventory and
   * fake Slack: the harness's bot, or another one (two bots running).
   */
  async startBotInstance(): Promise<{ runtime: Runtime; bot: RunningBot; url: string }> {
    const port = await freePort();
    const env = readEnv({
      REDIS_URL: this.redisUrl,
      KCM_REDIS_PREFIX: this.workers.prefix,
      KCM_INVENTORY: this.workers.inventoryPath,
      KCM_SLACK_MODE: this.mode,
      KCM_HTTP_PORT: String(port),
      SLACK_BOT_TOKEN: this.fake.token,
      SLACK_SIGNING_SECRET: this.secret,
      SLACK_APP_TOKEN: this.fake.socketMode.appToken,
      // A dropped socket is opened again within a fraction of a second.
      KCM_SLACK_RECONNECT_MIN_MS: "50",
      KCM_SLACK_RECONNECT_MAX_MS: "500",
      SLACK_API_URL: this.fake.apiUrl,
    });
    const client = createPosterClient(this.fake.token, { slackApiUrl: this.fake.apiUrl });
    const log = (line: string) => this.log.push(line);
    const runtime = await createRuntime({
      name: "kcm-chatops",
      env,
      inventory: await loadInventory(env.inventoryPath),
      log: { info: log, warn: log },
      requestsRedis: "fail-fast",
      storeCommandTimeoutMs: 1500,
      chat: { client },
    });
    const bot = await startBot(botPartsOf(runtime, client), log);
    return { runtime, bot, url: `http://127.0.0.1:${port}/slack/events` };
  }

  /** Stops the bot (its app and runtime) and starts it again, as a restarted bot process. */
  async restartBot(): Promise<void> {
    await this.bot.stop();
    await this.runtime.close();
    const again = await this.startBotInstance();
    this.runtime = again.runtime;
    this.bot = again.bot;
    this.url = again.url;
  }

  /** Starts a worker process that reports to the fake Slack. */
  startWorker(): Promise<WorkerProcess> {
    return this.workers.startWorker({
      SLACK_BOT_TOKEN: this.fake.token,
      SLACK_API_URL: this.fake.apiUrl,
    });
  }

  /**
   * Types `/kcm <text>` as `user` in `channel`; resolves with the answer
   * (the private reply): the HTTP response, or the Socket Mode ack's payload.
   */
  command(
    user: string,
    text: string,
    options: { channel?: string; triggerId?: string; retryNum?: number; responseId?: string } = {},
  ) {
    const payload = slashCommand({
      user,
      channel: options.channel ?? CHANNEL,
      text,
      responseUrl: this.fake.responseUrl(options.responseId),
      ...(options.triggerId ? { triggerId: options.triggerId } : {}),
    });
    if (this.mode === "socket") return this.overSocket("slash_commands", payload);
    return postSigned(
      this.url,
      this.secret,
      payload,
      options.retryNum === undefined ? {} : { retryNum: options.retryNum },
    );
  }

  /**
   * Clicks a request's button as `user`; the private answer, if any, goes to
   * response `responseId`. `again`: Socket Mode delivers it twice (the ack lost on Slack's side).
   */
  click(user: string, actionId: string, root: FakeMessage, responseId: string, again = false) {
    const form = buttonClick({
      user,
      channel: CHANNEL,
      actionId,
      value: requestIdOf(root),
      messageTs: root.ts,
      responseUrl: this.fake.responseUrl(responseId),
    });
    if (this.mode === "socket")
      return this.overSocket("interactive", JSON.parse(form["payload"] ?? "{}"), again);
    return postSigned(this.url, this.secret, form);
  }

  /** An envelope over the Socket Mode socket, answered as an HTTP request would be. */
  private async overSocket(
    type: "slash_commands" | "interactive",
    payload: Record<string, unknown>,
    again = false,
  ) {
    const delivery = await this.fake.socketMode.deliver(type, payload, { again });
    if (delivery.ack === undefined) throw new Error(`the bot never acked the ${type} envelope`);
    const body = Object.keys(delivery.ack).length === 0 ? "" : JSON.stringify(delivery.ack);
    return { status: 200, body, ms: delivery.ackMs ?? 0 };
  }

  /** Waits for the root message of the newest request on `host` (a header naming it). */
  async requestRoot(host: string, after = 0): Promise<FakeMessage> {
    let found: FakeMessage | undefined;
    await this.workers.until(
      () => {
        found = this.fake
          .messages(CHANNEL)
          .filter((m) => m.text.includes(` on ${host} (`))
          .at(after);
        return found !== undefined;
      },
      30_000,
      `a request message for ${host}`,
    );
    return found as FakeMessage;
  }

  /** The root message as it is now (edits applied). */
  current(root: FakeMessage): FakeMessage {
    return this.fake.messages(CHANNEL).find((m) => m.ts === root.ts) ?? root;
  }

  thread(root: FakeMessage): FakeMessage[] {
    return this.fake.thread(CHANNEL, root.ts).slice(1);
  }

  async stop(): Promise<void> {
    await this.bot?.stop();
    await this.runtime?.close();
    await this.workers?.tearDown();
    await this.fake?.stop();
  }
}

/** The request id a root message's buttons carry (or its header names). */
export function requestIdOf(root: FakeMessage): string {
  const match = / \((r-[a-z0-9]+)\)/.exec(root.text);
  if (!match?.[1]) throw new Error(`no request id in "${root.text}"`);
  return match[1];
}

/**
 * For a describe block: before all its tests, lab hosts made with `options`
 * (at once) and a bot harness over them (their window `window`, the groups
 * `groups`), handed to `use`; after them, all torn down.
 */
export function botOverLabHosts(
  redisUrl: string,
  options: readonly CreateLabHostOptions[],
  use: (made: { h: BotHarness; hosts: LabHost[] }) => void,
  inventory: {
    /** The hosts' window, or a function that gives it when the hosts are made. */
    window?: Record<string, unknown> | (() => Record<string, unknown>);
    groups?: Record<string, string[] | Record<string, unknown>>;
    mode?: "http" | "socket";
    schedule?: Record<string, unknown>;
  } = {},
): void {
  const hosts: LabHost[] = [];
  let h: BotHarness | undefined;
  beforeAll(async () => {
    const made = await Promise.allSettled(options.map((o) => createLabHost(o)));
    for (const m of made) if (m.status === "fulfilled") hosts.push(m.value);
    const failed = made.find((m) => m.status === "rejected");
    if (failed) throw failed.reason;
    const window = typeof inventory.window === "function" ? inventory.window() : inventory.window;
    h = new BotHarness(
      redisUrl,
      hosts,
      window,
      inventory.groups,
      inventory.mode,
      inventory.schedule ? { schedule: inventory.schedule } : {},
    );
    await h.start();
    use({ h, hosts });
  });
  afterAll(async () => {
    await h?.stop();
    await Promise.all(hosts.map((host) => host.destroy()));
  });
}

/** {@link botOverLabHosts} for one host. */
export function botOverLabHost(
  redisUrl: string,
  options: CreateLabHostOptions,
  use: (made: { h: BotHarness; host: LabHost }) => void,
  window: Record<string, unknown> = ALWAYS_OPEN_WINDOW,
  mode: "http" | "socket" = "http",
): void {
  botOverLabHosts(redisUrl, [options], ({ h, hosts }) => use({ h, host: hosts[0] as LabHost }), {
    window,
    mode,
  });
}
