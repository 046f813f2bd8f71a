/**
 * kcm-chatops, the operators' command line. Uses the same code as the bot.
 *   kcm-chatops check <host|group|all> [--json] [--concurrency N] [--inventory FILE]
 *   kcm-chatops sudoers [--user NAME]
 */
import { parseArgs } from "node:util";
import { ConfigError } from "../config/config-error.js";
import { readEnv } from "../config/read-env.js";
import { sudoersLines } from "../kcm/commands.js";
import { CHECK_USAGE, type CliOutput, runCheck } from "./run-check.js";
import { UsageError } from "./usage-error.js";

const USAGE = [
  "usage:",
  `  ${CHECK_USAGE}`,
  "  kcm-chatops sudoers [--user NAME]   the sudoers lines the bot's account needs on each host",
].join("\n");

/** Runs the CLI with `argv` (without node and the script) and resolves to the exit code. */
export async function main(argv: string[], io: CliOutput): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "check":
        return await runCheck(rest, readEnv(), io);
      case "sudoers": {
        const { values } = parseArgs({
          args: rest,
          options: { user: { type: "string", default: "kcm-bot" } },
        });
        io.out(
          [
            "# /etc/sudoers.d/kcm-chatops (check with: visudo -cf FILE)",
            ...sudoersLines(values.user),
          ].join("\n"),
        );
        return 0;
      }
      case undefined:
      case "help":
      case "--help":
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error instanceof TypeError &&
        "code" in error &&
        String(error.code).startsWith("ERR_PARSE_ARGS"))
    ) {
      io.err(`kcm-chatops: ${error.message}\n${USAGE}`);
      return 2;
    }
    if (error instanceof ConfigError) {
      io.err(error.message);
      if (error.code === "unreadable-inventory") {
        io.err(
          "Point KCM_INVENTORY (or --inventory) at the inventory file; inventory.example.yml shows its form.",
        );
      }
      return 2;
    }
    throw error;
  }
}
