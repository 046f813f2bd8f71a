import { createServer, type ServerResponse } from "node:http";
import type { Registry } from "prom-client";
import type { HealthReport } from "./check-health.js";
import { type RunningServer, runningServer } from "./running-server.js";

export type { RunningServer };

/** What the metrics server serves, and where. */
export interface MetricsServerOptions {
  registry: Registry;
  port: number;
  /** @defaultValue "127.0.0.1" */
  host?: string;
  health: () => Promise<HealthReport>;
}

/**
 * Serves `GET /healthz` (200 with the report when its status is ok, 503
 * otherwise) and `GET /metrics` (Prometheus's text format) over plain HTTP.
 * Resolves once listening; rejects when the port cannot be had.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<RunningServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (request.method !== "GET" && request.method !== "HEAD") {
      send(response, 405, "text/plain; charset=utf-8", "only GET\n", { allow: "GET, HEAD" });
    } else if (path === "/healthz") {
      options.health().then(
        (report) => sendJson(response, report.status === "ok" ? 200 : 503, report),
        (error: unknown) => sendJson(response, 503, { status: "failing", error: String(error) }),
      );
    } else if (path === "/metrics") {
      options.registry.metrics().then(
        (text) => send(response, 200, options.registry.contentType, text),
        (error: unknown) => send(response, 500, "text/plain; charset=utf-8", `${String(error)}\n`),
      );
    } else {
      send(response, 404, "text/plain; charset=utf-8", "not found: try /healthz or /metrics\n");
    }
  });
  // A scraper that keeps its connection open must not hold up the process's stop.
  server.keepAliveTimeout = 5000;
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `cannot serve metrics on ${host}:${options.port}: ${error.code ?? error.message}`,
          { cause: error },
        ),
      ),
    );
    server.listen(options.port, host, () => resolve());
  });
  return runningServer(server);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  send(response, status, "application/json", `${JSON.stringify(body)}\n`);
}

function send(
  response: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, {
    "content-type": type,
    "cache-control": "no-store",
    ...headers,
  });
  response.end(body);
}
