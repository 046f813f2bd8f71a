import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import { fail, type SlackAnswer } from "./slack-wire.js";

/** What Slack sends over a Socket Mode connection for a user's action. */
export type EnvelopeType = "slash_commands" | "interactive" | "events_api";

/** An envelope's delivery: the ack's payload (what the app answered), and how many times it went out. */
export interface Delivery {
  envelopeId: string;
  /** The ack's `payload` (a slash command's response), or undefined when never acked. */
  ack: Record<string, unknown> | undefined;
  attempts: number;
  /** ms from the first send to the ack. */
  ackMs: number | undefined;
}

/**
 * Slack's side of Socket Mode, as the real @slack/socket-mode client meets
 * it: `apps.connections.open` (the app-level token checked) hands out a
 * `ws://127.0.0.1` URL; the socket says `hello`, carries envelopes that the
 * app must ack (`{ envelope_id, payload }`) within `ackTimeoutMs`, and
 * redelivers an unacked one with `retry_attempt` + 1, as Slack does; it can
 * ask the app to reconnect (`disconnect`, `refresh_requested`) or drop
 * without a word.
 */
export class FakeSocketMode {
  readonly appToken = `xapp-1-A0KCMAPP-${randomBytes(8).toString("hex")}`;
  private readonly server = new WebSocketServer({ noServer: true });
  private readonly tickets = new Set<string>();
  private readonly sockets = new Set<WebSocket>();
  private readonly acks = new Map<string, (payload: Record<string, unknown>) => void>();
  /** Every message the app sent (acks), in order. */
  readonly received: Record<string, unknown>[] = [];
  /** Sockets opened so far. */
  connections = 0;
  /** When set, `apps.connections.open` answers this Slack error (e.g. `invalid_auth`). */
  refuseWith: string | undefined;

  constructor(private readonly baseUrl: () => string) {}

  /** `apps.connections.open`, called with the bearer token `token`. */
  open(token: string | undefined): SlackAnswer {
    if (token === undefined) return fail("not_authed");
    if (token !== this.appToken) return fail("invalid_auth");
    if (this.refuseWith) return fail(this.refuseWith);
    const ticket = randomBytes(12).toString("hex");
    this.tickets.add(ticket);
    const url = `${this.baseUrl().replace(/^http/, "ws")}/link/?ticket=${ticket}&app_id=A0KCMAPP`;
    return { ok: true, url };
  }

  /** The HTTP server's `upgrade`: only a ticket `open` handed out, once. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? "/", this.baseUrl());
    const ticket = url.searchParams.get("ticket") ?? "";
    if (url.pathname !== "/link/" || !this.tickets.delete(ticket)) {
      socket.end("HTTP/1.1 401 Unauthorized\r\n\r\n");
      return;
    }
    this.server.handleUpgrade(request, socket, head, (ws) => this.accept(ws));
  }

  private accept(ws: WebSocket): void {
    this.connections += 1;
    this.sockets.add(ws);
    ws.on("close", () => this.sockets.delete(ws));
    ws.on("error", () => this.sockets.delete(ws));
    ws.on("message", (data) => {
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(String(data)) as Record<string, unknown>;
      } catch {
        return;
      }
      this.received.push(message);
      const id = message["envelope_id"];
      if (typeof id === "string")
        this.acks.get(id)?.((message["payload"] ?? {}) as Record<string, unknown>);
    });
    ws.send(
      JSON.stringify({
        type: "hello",
        num_connections: this.sockets.size,
        debug_info: { host: "fake-slack", approximate_connection_time: 18060 },
        connection_info: { app_id: "A0KCMAPP" },
      }),
    );
  }

  /** Open sockets now. */
  get open_sockets(): number {
    return [...this.sockets].filter((s) => s.readyState === s.OPEN).length;
  }

  /** Resolves once a socket is open (after `after` sockets were opened in all). */
  async connected(timeoutMs = 10_000, after = 0): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.open_sockets === 0 || this.connections <= after) {
      if (Date.now() > deadline) throw new Error("fake Slack: no Socket Mode connection");
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * Sends an envelope on an open socket and waits for its ack; unacked
   * after `ackTimeoutMs`, sends it again with `retry_attempt` + 1 (on
   * whichever socket is open then), up to `retries` times.
   */
  async deliver(
    type: EnvelopeType,
    payload: Record<string, unknown>,
    options: {
      ackTimeoutMs?: number;
      retries?: number;
      envelopeId?: string;
      /** Sends it once more (`retry_attempt` 1) even though it was acked, as when Slack lost the ack. */
      again?: boolean;
    } = {},
  ): Promise<Delivery> {
    const { ackTimeoutMs = 3000, retries = 3 } = options;
    if (options.again) {
      const first = await this.deliver(type, payload, { ...options, again: false });
      const id = first.envelopeId;
      const second = await this.resend(type, payload, id, ackTimeoutMs);
      return { ...first, attempts: first.attempts + (second ? 1 : 0) };
    }
    const envelopeId = options.envelopeId ?? `${randomBytes(4).toString("hex")}-${Date.now()}`;
    const started = performance.now();
    let attempts = 0;
    const acked = new Promise<Record<string, unknown>>((resolve) => {
      this.acks.set(envelopeId, resolve);
    });
    try {
      for (let attempt = 0; attempt <= retries; attempt++) {
        const socket = [...this.sockets].find((s) => s.readyState === s.OPEN);
        if (socket) {
          attempts += 1;
          socket.send(envelope(type, payload, envelopeId, attempt));
        }
        const ack = await Promise.race([
          acked,
          new Promise<undefined>((r) => setTimeout(() => r(undefined), ackTimeoutMs)),
        ]);
        if (ack !== undefined) {
          return { envelopeId, ack, attempts, ackMs: performance.now() - started };
        }
      }
      return { envelopeId, ack: undefined, attempts, ackMs: undefined };
    } finally {
      this.acks.delete(envelopeId);
    }
  }

  /** Sends envelope `envelopeId` again as retry 1; resolves to its ack's payload, if acked in time. */
  private async resend(
    type: EnvelopeType,
    payload: Record<string, unknown>,
    envelopeId: string,
    ackTimeoutMs: number,
  ): Promise<Record<string, unknown> | undefined> {
    const socket = [...this.sockets].find((s) => s.readyState === s.OPEN);
    if (!socket) return undefined;
    const acked = new Promise<Record<string, unknown>>((resolve) => {
      this.acks.set(envelopeId, resolve);
    });
    socket.send(envelope(type, payload, envelopeId, 1));
    try {
      return await Promise.race([
        acked,
        new Promise<undefined>((r) => setTimeout(() => r(undefined), ackTimeoutMs)),
      ]);
    } finally {
      this.acks.delete(envelopeId);
    }
  }

  /** Asks the app to reconnect, as Slack does before it recycles a connection. */
  askToReconnect(reason = "refresh_requested"): void {
    for (const socket of this.sockets)
      socket.send(
        JSON.stringify({ type: "disconnect", reason, debug_info: { host: "fake-slack" } }),
      );
  }

  /** Drops every socket without a word (no close frame). */
  drop(): void {
    for (const socket of this.sockets) socket.terminate();
  }

  close(): void {
    this.drop();
    this.server.close();
  }
}

/** An envelope as Slack sends it; `attempt` > 0 is a redelivery. */
function envelope(
  type: EnvelopeType,
  payload: Record<string, unknown>,
  envelopeId: string,
  attempt: number,
): string {
  return JSON.stringify({
    envelope_id: envelopeId,
    type,
    payload,
    accepts_response_payload: type !== "events_api",
    ...(attempt > 0 ? { retry_attempt: attempt, retry_reason: "timeout" } : {}),
  });
}
