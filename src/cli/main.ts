/**
 * kcm-chatops, the operators' command line. Uses the same code as the bot.
 *   kcm-chatops check <host|group|all> [--json] [--concurrency N] [--inventory FILE]
 *   kcm-chatops sudoers [--user NAME] [--helper PATH | --direct-sudo]
 *   kcm-chatops host-helper [--user NAME] [--path PATH] [--script]
 *   kcm-chatops keyscan <address> [--port N] [--timeout MS]
 *   kcm-chatops doctor [--inventory FILE] [--json]
 *   kcm-chatops audit export [--since ISO|--since-id ID] [--until ISO|--until-id ID]
 *   kcm-chatops audit verify
 */
import { ConfigError } from "../config/config-error.js";
import { readEnv } from "../config/read-env.js";
import { AUDIT_USAGE, runAudit } from "./run-audit.js";
import { CHECK_USAGE, type CliOutput, runCheck } from "./run-check.js";
import { DOCTOR_USAGE, runDoctor } from "./run-doctor.js";
import { HOST_HELPER_USAGE, runHostHelper, runSudoers, SUDOERS_USAGE } from "./run-host-helper.js";
import { KEYSCAN_USAGE, runKeyscan } from "./run-keyscan.js";
import { UsageError } from "./usage-error.js";

const USAGE = [
  "usage:",
  `  ${CHECK_USAGE}`,
  `  ${HOST_HELPER_USAGE}   installs the host helper and its sudoers file (a root script)`,
  `  ${SUDOERS_USAGE}   the sudoers lines alone`,
  `  ${KEYSCAN_USAGE}   the hostKey line to pin a host's SSH key`,
  `  ${DOCTOR_USAGE}   checks the environment, Redis, Slack and every host`,
  `  ${AUDIT_USAGE}`,
].join("\n");

/** Runs the CLI with `argv` (without node and the script) and resolves to the exit code. */
export async function main(argv: string[], io: CliOutput): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "check":
        return await runCheck(rest, readEnv(), io);
      case "keyscan":
        return await runKeyscan(rest, io);
      case "doctor":
        return await runDoctor(rest, () => readEnv(), io);
      case "audit":
        return await runAudit(rest, readEnv(), io);
      case "sudoers":
        return runSudoers(rest, io);
      case "host-helper":
        return runHostHelper(rest, io);
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
