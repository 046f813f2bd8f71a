import type { Logger } from "pino";
import type { RuntimeOptions } from "./create-runtime.js";

/** The runtime's log lines, into a process's JSON logger (read when a line is written: it may be replaced). */
export function runtimeLog(logger: () => Logger): RuntimeOptions["log"] {
  return {
    info: (line, fields) => logger().info(fields ?? {}, line),
    warn: (line, fields) => logger().warn(fields ?? {}, line),
  };
}
