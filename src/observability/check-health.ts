/** What `/healthz` answers: `ok` only when every part is. */
export interface HealthReport {
  status: "ok" | "failing";
  /** `ok`, or why Redis did not answer PING. */
  redis: string;
  /** Each BullMQ worker of the process, by queue name (the worker process only). */
  workers?: Record<string, "running" | "stopped">;
  /**
   * The bot's Socket Mode link: `connected`, or since when it is down and
   * why. It does not make `status` failing: the bot reconnects by itself,
   * and a restart would not bring Slack back.
   */
  slack?: string;
}

/** The slices of the process's parts that health looks at. */
export interface HealthParts {
  redis: { ping(): Promise<string> };
  workers?: ReadonlyArray<{ readonly name: string; isRunning(): boolean; isPaused(): boolean }>;
  /** The bot's Socket Mode link (see slack/socket-link.ts). */
  slack?: { readonly up: boolean; readonly since: number; readonly reason?: string };
  /** The process's view of its Redis link: while it is down, no PING is sent (it would only queue). */
  watch?: { readonly up: boolean; readonly since: number | undefined };
  /**
   * How long PING may take, in ms: a client with retries on (as BullMQ needs)
   * holds commands while disconnected instead of failing them.
   * @defaultValue 2000
   */
  timeoutMs?: number;
}

/** Asks Redis for PING and each worker whether it runs; never throws. */
export async function checkHealth(parts: HealthParts): Promise<HealthReport> {
  const timeoutMs = parts.timeoutMs ?? 2000;
  let timer: NodeJS.Timeout | undefined;
  const since = parts.watch?.up === false ? parts.watch.since : undefined;
  const redis =
    parts.watch?.up === false
      ? `not connected${since === undefined ? "" : ` since ${new Date(since).toISOString()}`}`
      : await Promise.race([
          parts.redis.ping().then(
            (answer) => (answer === "PONG" ? "ok" : `unexpected answer ${JSON.stringify(answer)}`),
            (error: unknown) => (error instanceof Error ? error.message : String(error)),
          ),
          new Promise<string>((resolve) => {
            timer = setTimeout(() => resolve(`no answer to PING in ${timeoutMs} ms`), timeoutMs);
          }),
        ]).finally(() => clearTimeout(timer));
  const workers =
    parts.workers === undefined
      ? undefined
      : Object.fromEntries(
          parts.workers.map((w) => [
            w.name,
            w.isRunning() && !w.isPaused() ? ("running" as const) : ("stopped" as const),
          ]),
        );
  const ok = redis === "ok" && Object.values(workers ?? {}).every((state) => state === "running");
  const link = parts.slack;
  const slack =
    link === undefined
      ? undefined
      : link.up
        ? "connected"
        : `reconnecting since ${new Date(link.since).toISOString()}${link.reason ? ` (${link.reason})` : ""}`;
  return {
    status: ok ? "ok" : "failing",
    redis,
    ...(workers ? { workers } : {}),
    ...(slack === undefined ? {} : { slack }),
  };
}
