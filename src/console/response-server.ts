import { createServer } from "node:http";

/**
 * Stands in for Slack's response_url: private answers to one person, posted
 * as JSON to `${url}/<user>`, shown in the terminal as "(only you) ...".
 */
export async function startResponseServer(
  onMessage: (user: string, text: string) => void,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on("end", () => {
      try {
        const text = String((JSON.parse(body) as { text?: unknown }).text ?? "");
        onMessage(decodeURIComponent((request.url ?? "/").slice(1)), text);
      } catch {
        // Not JSON: nothing to show.
      }
      response.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
