import { createHash, timingSafeEqual } from "node:crypto";
import type { Server } from "node:http";
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { Queue } from "bullmq";
import express, { type RequestHandler } from "express";
import { type RunningServer, runningServer } from "./running-server.js";

/** Why the dashboard was not started, for the operator. */
export class DashboardConfigError extends Error {
  override readonly name = "DashboardConfigError";
  readonly code = "dashboard-config";
}

/** The dashboard's queues, address and login. */
export interface DashboardOptions {
  queues: readonly Queue[];
  port: number;
  /** @defaultValue "127.0.0.1" */
  host?: string;
  /** The login (HTTP Basic); both are required. */
  user: string | undefined;
  password: string | undefined;
}

/**
 * Serves bull-board, a web view of the queues' jobs (their data, state,
 * failures, logs), behind HTTP Basic authentication. Read-only: retrying,
 * promoting or removing an upgrade job from a web page would go around the
 * approvals and the audit trail. Throws {@link DashboardConfigError} without
 * a user and a password: job data names hosts and people, so the dashboard
 * is never served without a login.
 */
export async function startDashboard(options: DashboardOptions): Promise<RunningServer> {
  const { user, password } = options;
  if (!user || !password) {
    const missing = [user ? "" : "KCM_DASHBOARD_USER", password ? "" : "KCM_DASHBOARD_PASSWORD"]
      .filter(Boolean)
      .join(" and ");
    throw new DashboardConfigError(
      `KCM_DASHBOARD_PORT is set but ${missing} ${missing.includes(" and ") ? "are" : "is"} not: the queue dashboard is served only behind a login; set both, or unset KCM_DASHBOARD_PORT`,
    );
  }
  const board = new ExpressAdapter();
  board.setBasePath("/");
  createBullBoard({
    queues: options.queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: true })),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: "kcm-chatops" } },
  });
  const app = express();
  app.disable("x-powered-by");
  app.use(basicAuth(user, password));
  app.use("/", board.getRouter());

  const host = options.host ?? "127.0.0.1";
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(options.port, host, (error?: Error) =>
      error
        ? reject(
            new Error(
              `cannot serve the dashboard on ${host}:${options.port}: ${errorCode(error)}`,
              {
                cause: error,
              },
            ),
          )
        : resolve(listening),
    );
  });
  return runningServer(server);
}

/**
 * HTTP Basic authentication. The credentials are compared as SHA-256 digests
 * with `timingSafeEqual`: same length whatever was sent, so the time taken
 * tells nothing about how much of them was right.
 */
function basicAuth(user: string, password: string): RequestHandler {
  const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();
  const expected = digest(`${user}:${password}`);
  return (request, response, next) => {
    const match = /^Basic +([A-Za-z0-9+/]+={0,2})$/i.exec(request.headers.authorization ?? "");
    const given = match?.[1] ? Buffer.from(match[1], "base64").toString("utf8") : "";
    if (timingSafeEqual(digest(given), expected)) {
      next();
      return;
    }
    response
      .status(401)
      .set("www-authenticate", 'Basic realm="kcm-chatops queues", charset="UTF-8"')
      .set("cache-control", "no-store")
      .type("text/plain")
      .send("authentication required\n");
  };
}

function errorCode(error: Error): string {
  return (error as NodeJS.ErrnoException).code ?? error.message;
}
