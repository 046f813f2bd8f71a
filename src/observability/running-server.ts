import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A listening server. */
export interface RunningServer {
  /** Where it listens, e.g. `http://127.0.0.1:9464`. */
  readonly url: string;
  close(): Promise<void>;
}

/** The URL and a close (that also ends kept-alive connections) of a listening server. */
export function runningServer(server: Server): RunningServer {
  const { address, port, family } = server.address() as AddressInfo;
  return {
    url: `http://${family === "IPv6" ? `[${address}]` : address}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
