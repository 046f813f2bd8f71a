/**
 * The console demo (the README's run command starts it): the bot and its
 * workers without Slack, driven from this terminal. Environment: REDIS_URL
 * (or REDIS_SENTINELS), KCM_INVENTORY (with a slack section: channels and approvers).
 */
import { ConfigError } from "../config/config-error.js";
import { loadInventory } from "../config/load-inventory.js";
import { readEnv } from "../config/read-env.js";
import { RuntimeError } from "../runtime/create-runtime.js";
import { runConsole } from "./run-console.js";

const write = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const env = readEnv();
  const inventory = await loadInventory(env.inventoryPath);
  await runConsole({ env, inventory, input: process.stdin, write });
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof RuntimeError) {
      write(error.message);
      process.exitCode = error.exitCode;
      return;
    }
    write(
      error instanceof ConfigError
        ? error.message
        : `console: ${error instanceof Error ? error.stack : String(error)}`,
    );
    process.exitCode = 1;
  },
);
