import type { Logger } from "pino";
import type { PosterLogEntry } from "../slack/poster/index.js";
import type { Metrics } from "./create-metrics.js";

/**
 * Where the Slack poster's log entries go: counted in the metrics (retries,
 * 429s, drops) and logged at the entry's own level, with its fields.
 */
export function posterLogSink(
  logger: Logger,
  metrics: Pick<Metrics, "posterLog">,
): (entry: PosterLogEntry) => void {
  return (entry) => {
    metrics.posterLog(entry);
    const { level, reason, ...fields } = entry;
    logger[level]({ poster: fields }, `slack poster ${entry.event}: ${reason}`);
  };
}
