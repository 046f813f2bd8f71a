import { type DestinationStream, type Logger, pino } from "pino";
import type { LogLevel } from "../config/read-env.js";
import { redactLine } from "./redact-secrets.js";

/** How a process logs. */
export interface LoggerOptions {
  /** The process's name, on every line (`name`). */
  name: string;
  /** The least severe level written (`KCM_LOG_LEVEL`). @defaultValue "info" */
  level?: LogLevel;
  /**
   * Known secret values (the Slack tokens and signing secret, passwords),
   * replaced wherever they appear; unset ones are skipped.
   */
  secrets?: ReadonlyArray<string | undefined>;
  /** Where lines go. @defaultValue stdout, written synchronously (in order with other output) */
  destination?: DestinationStream;
}

/**
 * Makes a process's logger: one JSON object per line (`level` as a word,
 * `time` in ISO 8601, `msg` the human sentence), with secrets redacted from
 * the whole line: Slack tokens, private keys, URL passwords, the given
 * secret values, and the values of keys named like token, secret, password
 * or authorization.
 */
export function createLogger(options: LoggerOptions): Logger {
  const literals = (options.secrets ?? []).filter((s): s is string => s !== undefined && s !== "");
  return pino(
    {
      name: options.name,
      level: options.level ?? "info",
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Every finished line, whatever put a secret in it: the message, a field,
      // an error's stack, a child logger's bindings.
      hooks: { streamWrite: (line) => redactLine(line, literals) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
