import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "./free-port.js";
import { spawnTsx, type TsxProcess } from "./spawn-tsx.js";

/** The bot's channel and approver in {@link startBotProcess}'s inventory. */
export const BOT_CHANNEL = "C0KCMOPS01";

/** The bot process (`src/bot.ts`) as an operator starts it, with what a test reads of it. */
export interface BotProcess extends TsxProcess {
  /** Its `/healthz` and `/metrics` port. */
  metricsPort: number;
  /** How many of its log lines (JSON, by `msg`) match `pattern`. */
  said(pattern: RegExp): number;
  /** Waits until `test` holds; throws with the bot's log when `ms` pass first. */
  until(test: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void>;
  /** What `/healthz` answers now. */
  health(): Promise<{ status: number; body: Record<string, unknown> }>;
  /** SIGKILL if still running, and removes its files. */
  stop(): Promise<void>;
}

/**
 * Starts `src/bot.ts` in its own process, with an inventory of one host it
 * never connects to (the channel {@link BOT_CHANNEL}, approver U0BOB), a
 * metrics port, and `env` on top of this process's environment. Resolves
 * once it logged `ready` (or, with `ready: false`, at once).
 */
export async function startBotProcess(
  env: NodeJS.ProcessEnv,
  options: { ready?: boolean } = {},
): Promise<BotProcess> {
  const dir = await mkdtemp(path.join(tmpdir(), "kcm-bot-"));
  const inventory = path.join(dir, "inventory.yml");
  await writeFile(
    inventory,
    [
      "hosts:",
      "  - name: web1",
      "    address: 127.0.0.1",
      "    user: kcm",
      "    privateKey: /nonexistent/id_ed25519",
      "    hostKey: SHA256:nLF/WwxaonO/+Fxv8K4yuWHDnLFkkbazJMT3YbBiI2E",
      "slack:",
      `  channels: [${BOT_CHANNEL}]`,
      "  approvers: [U0BOB]",
      "",
    ].join("\n"),
  );
  const metricsPort = await freePort();
  const started = spawnTsx("src/bot.ts", {
    ...process.env,
    KCM_INVENTORY: inventory,
    KCM_BOT_METRICS_PORT: String(metricsPort),
    ...env,
  });
  const said = (pattern: RegExp) =>
    started.lines.filter((line) => {
      try {
        return pattern.test((JSON.parse(line) as { msg: string }).msg);
      } catch {
        return pattern.test(line);
      }
    }).length;
  const until = async (test: () => boolean | Promise<boolean>, ms: number, what: string) => {
    const deadline = Date.now() + ms;
    while (!(await test())) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}:\n${started.lines.join("\n")}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const bot: BotProcess = {
    ...started,
    metricsPort,
    said,
    until,
    async health() {
      const response = await fetch(`http://127.0.0.1:${metricsPort}/healthz`);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    async stop() {
      const { child } = started;
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await started.exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
  if (options.ready ?? true) {
    await until(
      () => said(/kcm-chatops bot ready/) === 1 || started.child.exitCode !== null,
      30_000,
      "the bot to be ready",
    );
    if (started.child.exitCode !== null)
      throw new Error(`the bot exited (${started.child.exitCode}):\n${started.lines.join("\n")}`);
  }
  return bot;
}
