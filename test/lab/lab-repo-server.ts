import type { Stats } from "node:fs";
import { open, realpath, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { type ByteRateLimiter, createByteRateLimiter } from "./byte-rate-limiter.js";
import { labPaths } from "./lab-paths.js";

/** Options for {@link startLabRepoServer}. */
export interface LabRepoServerOptions {
  /**
   * The bandwidth shared by every response body, as a vendor mirror's to one
   * site. dnf abandons a transfer that stays under its `minrate` (1000 bytes/s)
   * for its `timeout` (30 s), and runs up to 3 at once: keep this well above 3000.
   */
  bytesPerSecond: number;
  /** The folder served. @defaultValue `labPaths.repos` (one folder per release, and `base`) */
  root?: string;
}

/** A running {@link startLabRepoServer}. */
export interface LabRepoServer {
  /** `http://127.0.0.1:PORT`; a release's repository is at `${url}/${release}`. */
  url: string;
  /** Body bytes sent so far, over every response. */
  bytesServed(): number;
  /** Requests received so far, answered or not. */
  requests(): number;
  /** Stops listening and cuts every connection, finished or not. */
  stop(): Promise<void>;
}

interface ByteRange {
  start: number;
  /** Inclusive, as in Content-Range. */
  end: number;
}

/**
 * A `Range` header's single byte range within a file of `size` bytes:
 * `undefined` to send the whole file (no header, or several ranges, which a
 * server may ignore), `"unsatisfiable"` for a 416. dnf asks for `bytes=N-` to
 * resume a package download that an earlier run left half done; its librepo
 * then rejects the 206 (its Content-Length is not the package's size) and
 * downloads the whole package again, as it does from a real mirror.
 */
function parseRange(
  header: string | undefined,
  size: number,
): ByteRange | "unsatisfiable" | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? "");
  if (!match) return undefined;
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return undefined;
  const range =
    first === ""
      ? { start: Math.max(0, size - Number(last)), end: size - 1 }
      : { start: Number(first), end: last === "" ? size - 1 : Math.min(Number(last), size - 1) };
  return range.start > range.end || range.start >= size ? "unsatisfiable" : range;
}

/** The file a request path names under `root`, or why there is none. */
async function resolveFile(
  root: string,
  url: string,
): Promise<{ file: string; stats: Stats } | "forbidden" | "missing"> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(url.split("?")[0] ?? "");
  } catch {
    return "forbidden";
  }
  // Refused outright, even where the result would land inside root again.
  if (!decoded.startsWith("/") || decoded.includes("\0") || decoded.split(/[/\\]/).includes("..")) {
    return "forbidden";
  }
  const realRoot = await realpath(root);
  const file = await realpath(path.join(realRoot, decoded)).catch(() => undefined);
  if (file === undefined) return "missing";
  if (file !== realRoot && !file.startsWith(`${realRoot}${path.sep}`)) return "forbidden";
  const stats = await stat(file);
  return stats.isFile() ? { file, stats } : "missing";
}

/** Reads `range` of `file` in chunks, each once the shared link has room for it. */
async function* throttledChunks(
  file: string,
  range: ByteRange,
  limiter: ByteRateLimiter,
  chunkBytes: number,
  onSent: (bytes: number) => void,
): AsyncGenerator<Buffer> {
  const handle = await open(file, "r");
  try {
    for (let at = range.start; at <= range.end; ) {
      const size = Math.min(chunkBytes, range.end + 1 - at);
      await limiter.take(size);
      const buffer = Buffer.allocUnsafe(size);
      const { bytesRead } = await handle.read(buffer, 0, size, at);
      if (bytesRead === 0) throw new Error(`lab repo server: ${file} shrank while being sent`);
      at += bytesRead;
      onSent(bytesRead);
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

function contentType(file: string): string {
  if (file.endsWith(".xml")) return "text/xml";
  if (file.endsWith(".rpm")) return "application/x-rpm";
  return "application/octet-stream";
}

/**
 * Serves the lab's repositories over HTTP on loopback, read-only (GET and
 * HEAD, single byte ranges), with every response body sharing one link of
 * `bytesPerSecond`: a vendor mirror as one site sees it, so downloading a
 * release takes time. Publish a release from it with
 * `host.publish(release, { baseUrl: server.url })`.
 */
export async function startLabRepoServer(options: LabRepoServerOptions): Promise<LabRepoServer> {
  const root = options.root ?? labPaths.repos;
  const limiter = createByteRateLimiter(options.bytesPerSecond);
  // About 50 grants a second: small enough to share the link between
  // dnf's parallel downloads, large enough not to wait on timers for nothing.
  const chunkBytes = Math.min(64 * 1024, Math.max(1024, Math.round(options.bytesPerSecond / 50)));
  let bytesServed = 0;
  let requests = 0;

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    requests++;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD", "Content-Length": 0 }).end();
      return;
    }
    const found = await resolveFile(root, req.url ?? "/");
    if (found === "forbidden" || found === "missing") {
      const status = found === "forbidden" ? 403 : 404;
      const body = `${status === 403 ? "Forbidden" : "Not Found"}\n`;
      res.writeHead(status, { "Content-Type": "text/plain", "Content-Length": body.length });
      res.end(req.method === "HEAD" ? undefined : body);
      return;
    }
    const { file, stats } = found;
    const size = stats.size;
    const range = parseRange(req.headers.range, size);
    if (range === "unsatisfiable") {
      res.writeHead(416, { "Content-Range": `bytes */${size}`, "Content-Length": 0 }).end();
      return;
    }
    const sent = range ?? { start: 0, end: size - 1 };
    res.writeHead(range ? 206 : 200, {
      "Content-Type": contentType(file),
      "Content-Length": sent.end + 1 - sent.start,
      "Last-Modified": stats.mtime.toUTCString(),
      "Accept-Ranges": "bytes",
      ...(range ? { "Content-Range": `bytes ${range.start}-${range.end}/${size}` } : {}),
    });
    if (req.method === "HEAD" || size === 0) {
      res.end();
      return;
    }
    await pipeline(
      throttledChunks(file, sent, limiter, chunkBytes, (bytes) => {
        bytesServed += bytes;
      }),
      res,
    );
  };

  const server = createServer((req, res) => {
    answer(req, res).catch((error: unknown) => {
      // A client that hangs up mid-body is a normal end (dnf cancelling a download).
      if ((error as NodeJS.ErrnoException).code === "ERR_STREAM_PREMATURE_CLOSE") return;
      if (res.headersSent) res.destroy(error as Error);
      else res.writeHead(500, { "Content-Length": 0 }).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // Loopback only: the lab never serves anything beyond this machine.
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bytesServed: () => bytesServed,
    requests: () => requests,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
