import type { IncomingMessage } from "node:http";
import type { SlackArg } from "./fake-slack-types.js";

// @slack/web-api form-encodes every argument and JSON-stringifies the ones that
// are not strings, numbers or booleans; Slack reads these fields as JSON again.
const JSON_FIELDS = new Set(["blocks", "attachments", "metadata", "files", "users", "user_ids"]);

/** A request body as Slack reads it, plus the token it carried. */
export interface ParsedSlackRequest {
  args: Record<string, SlackArg>;
  token: string | undefined;
  /** File parts of a multipart body (the upload URL), as their bytes. */
  fileParts: Buffer[];
}

/**
 * Reads a request the way Slack does: `application/x-www-form-urlencoded`
 * (what @slack/web-api sends), `application/json` (what Bolt's `respond`
 * and JSON clients send), `multipart/form-data` (file bytes to an upload
 * URL), or any other body as raw bytes. The token comes from the
 * `Authorization: Bearer` header or, failing that, a `token` field.
 */
export async function parseSlackRequest(request: IncomingMessage): Promise<ParsedSlackRequest> {
  const body = await readBody(request);
  const type = (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  const args: Record<string, SlackArg> = {};
  const fileParts: Buffer[] = [];

  if (type === "application/x-www-form-urlencoded") {
    for (const [name, value] of new URLSearchParams(body.toString("utf8"))) {
      args[name] = JSON_FIELDS.has(name) ? parseJsonField(value) : value;
    }
  } else if (type === "application/json") {
    const parsed: unknown = body.length === 0 ? {} : JSON.parse(body.toString("utf8"));
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
      Object.assign(args, parsed);
    } else {
      args["body"] = parsed;
    }
  } else if (type === "multipart/form-data") {
    const form = await new Request("http://fake-slack.invalid/", {
      method: "POST",
      headers: { "content-type": request.headers["content-type"] ?? "" },
      body: new Uint8Array(body),
    }).formData();
    for (const [name, value] of form) {
      if (typeof value === "string") args[name] = value;
      else fileParts.push(Buffer.from(await value.arrayBuffer()));
    }
  } else if (body.length > 0) {
    fileParts.push(body);
  }

  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? "")?.[1];
  const field = typeof args["token"] === "string" ? args["token"] : undefined;
  delete args["token"];
  return { args, token: bearer ?? field, fileParts };
}

function parseJsonField(value: string): SlackArg {
  try {
    return JSON.parse(value);
  } catch {
    // Slack answers `invalid_blocks` and the like for such a value; keep it as sent.
    return value;
  }
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
