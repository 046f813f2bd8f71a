import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { chatMethods } from "./chat-methods.js";
import { directoryMethods } from "./directory-methods.js";
import { FailurePlan, type FailureTarget } from "./failure-plan.js";
import type {
  FakeChannel,
  FakeEphemeral,
  FakeFailure,
  FakeFile,
  FakeMessage,
  FakeResponse,
  FakeSlackOptions,
  RecordedCall,
} from "./fake-slack-types.js";
import { FakeWorkspace } from "./fake-workspace.js";
import { fileMethods, receiveUpload } from "./file-methods.js";
import { type ParsedSlackRequest, parseSlackRequest } from "./parse-slack-request.js";
import { fail, type SlackAnswer } from "./slack-wire.js";
import { FakeSocketMode } from "./socket-mode.js";

/** A running fake Slack: point a real WebClient at `apiUrl` and assert on what it recorded. */
export interface FakeSlack {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `${url}/api/`: the WebClient's `slackApiUrl`. */
  readonly apiUrl: string;
  /** The bot token the fake accepts. */
  readonly token: string;
  /** Every request received, in arrival order (live). */
  readonly calls: readonly RecordedCall[];
  /** The recorded calls of one method. */
  callsTo(method: string): RecordedCall[];
  /** A channel's top-level messages as people see them (edits applied), oldest first. */
  messages(channel: string): FakeMessage[];
  /** A thread: the root message then its replies, oldest first. */
  thread(channel: string, rootTs: string): FakeMessage[];
  /** Ephemeral messages, of one channel or all. */
  ephemerals(channel?: string): FakeEphemeral[];
  /** A user's Home tab as the app last published it. */
  homeView(user: string): { type?: unknown; blocks?: unknown } | undefined;
  /** A shared file, with its content. */
  file(id: string): FakeFile | undefined;
  /** A response_url the fake serves (a new random one without `id`). */
  responseUrl(id?: string): string;
  /** What was posted to `${url}/response/<id>`, in order. */
  responses(id: string): FakeResponse[];
  addChannel(channel: FakeChannel): void;
  /** The next `count` calls to `method` (or `"*"`: any) fail as `failure`. */
  failNext(method: FailureTarget, failure: FakeFailure, count?: number): void;
  /** Every call to `method` (or `"*"`) fails as `failure` for the next `ms`. */
  failFor(method: FailureTarget, failure: FakeFailure, ms: number): void;
  clearFailures(): void;
  /** Slack's Socket Mode side: its app-level token, envelopes to deliver, drops. */
  readonly socketMode: FakeSocketMode;
  stop(): Promise<void>;
}

/**
 * Starts a fake Slack Web API on 127.0.0.1, on a free port. It speaks the
 * wire format the real @slack/web-api client uses (form or JSON bodies in,
 * Slack-shaped JSON out, 429 with `Retry-After`), checks the bearer token,
 * serves the upload URLs it hands out and response_urls, and records every
 * request.
 */
export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const ws = new FakeWorkspace(options);
  const plan = new FailurePlan();
  const calls: RecordedCall[] = [];
  let baseUrl = "";
  const socketMode = new FakeSocketMode(() => baseUrl);

  const server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      response.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const at = Date.now();
    const target = new URL(request.url ?? "/", baseUrl);
    const route = routeOf(target.pathname);
    const parsed = await parseSlackRequest(request);
    for (const [name, value] of target.searchParams) parsed.args[name] ??= value;
    const call: RecordedCall = {
      method: route.method,
      args: parsed.args,
      token: parsed.token,
      at,
      status: 0,
      injected: false,
    };
    calls.push(call);

    const failure = request.method === "POST" ? plan.take(route.method) : undefined;
    if (failure !== undefined) {
      call.injected = true;
      if ("delayMs" in failure) {
        await sleep(failure.delayMs);
      } else if ("dropRequest" in failure) {
        request.socket.destroy();
        return;
      } else if ("status" in failure) {
        call.status = failure.status;
        if (failure.status === 429) {
          call.error = "ratelimited";
          return json(response, 429, fail("ratelimited"), {
            "retry-after": String(failure.retryAfterSeconds),
          });
        }
        response.writeHead(failure.status, { "content-type": "text/plain" });
        response.end(`fake Slack: injected HTTP ${failure.status}`);
        return;
      } else if ("error" in failure) {
        call.status = 200;
        call.error = failure.error;
        return json(response, 200, fail(failure.error));
      }
    }

    const answer = answerFor(route, parsed, request.method ?? "GET");
    if (failure !== undefined && "dropResponse" in failure) {
      // The call took effect; the caller never hears so.
      request.socket.destroy();
      return;
    }
    call.status = answer.status;
    if (answer.kind === "json") {
      if (!answer.body.ok) call.error = answer.body.error;
      return json(response, answer.status, answer.body);
    }
    response.writeHead(answer.status, { "content-type": "text/plain" });
    response.end(answer.body);
  }

  function answerFor(
    route: Route,
    parsed: ParsedSlackRequest,
    httpMethod: string,
  ):
    | { kind: "json"; status: number; body: SlackAnswer }
    | { kind: "text"; status: number; body: string } {
    if (httpMethod !== "POST" && route.kind !== "api") {
      return { kind: "text", status: 405, body: "POST only" };
    }
    if (route.kind === "upload") {
      return { kind: "text", ...receiveUpload(ws, route.id, parsed.fileParts) };
    }
    if (route.kind === "response") {
      ws.recordResponse(route.id, parsed.args["body"] ?? parsed.args);
      return { kind: "json", status: 200, body: { ok: true } };
    }
    if (route.kind === "unknown") return { kind: "text", status: 404, body: "not found" };
    // The one method called with the app-level token, not the bot's.
    if (route.method === "apps.connections.open") {
      return { kind: "json", status: 200, body: socketMode.open(parsed.token) };
    }
    if (parsed.token === undefined) return { kind: "json", status: 200, body: fail("not_authed") };
    if (parsed.token !== ws.token) return { kind: "json", status: 200, body: fail("invalid_auth") };
    const chat = chatMethods[route.method];
    const directory = directoryMethods[route.method];
    const file = fileMethods[route.method];
    const body = chat
      ? chat(ws, parsed.args)
      : directory
        ? directory(ws, parsed.args)
        : file
          ? file(ws, parsed.args, baseUrl)
          : fail("unknown_method");
    return { kind: "json", status: 200, body };
  }

  server.on("upgrade", (request, socket, head) => socketMode.upgrade(request, socket, head));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;

  return {
    url: baseUrl,
    apiUrl: `${baseUrl}/api/`,
    token: ws.token,
    calls,
    callsTo: (method) => calls.filter((c) => c.method === method),
    messages: (channel) => ws.topLevel(channel),
    thread: (channel, rootTs) => ws.thread(channel, rootTs),
    ephemerals: (channel) =>
      ws.ephemerals
        .filter((e) => channel === undefined || e.channel === channel)
        .map((e) => ({ ...e })),
    homeView: (user) => ws.views.get(user),
    file: (id) => {
      const file = ws.files.get(id);
      return file === undefined ? undefined : { ...file };
    },
    responseUrl: (id = randomBytes(6).toString("hex")) => `${baseUrl}/response/${id}`,
    responses: (id) => [...(ws.responses.get(id) ?? [])],
    addChannel: (channel) => {
      ws.channels.set(channel.id, channel);
    },
    failNext: (method, failure, count = 1) => plan.failNext(method, failure, count),
    failFor: (method, failure, ms) => plan.failFor(method, failure, ms),
    clearFailures: () => plan.clear(),
    socketMode,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        socketMode.close();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

type Route =
  | { kind: "api"; method: string }
  | { kind: "upload"; method: "upload"; id: string }
  | { kind: "response"; method: "response"; id: string }
  | { kind: "unknown"; method: string };

function routeOf(path: string): Route {
  const api = /^\/api\/([A-Za-z0-9_.]+)$/.exec(path);
  if (api?.[1] !== undefined) return { kind: "api", method: api[1] };
  const upload = /^\/upload\/v1\/([A-Za-z0-9]+)$/.exec(path);
  if (upload?.[1] !== undefined) return { kind: "upload", method: "upload", id: upload[1] };
  const response = /^\/response\/([A-Za-z0-9_-]+)$/.exec(path);
  if (response?.[1] !== undefined) return { kind: "response", method: "response", id: response[1] };
  return { kind: "unknown", method: path };
}

function json(
  response: ServerResponse,
  status: number,
  body: SlackAnswer,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  response.end(JSON.stringify(body));
}
