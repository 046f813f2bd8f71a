import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { scanHostKey } from "../../../src/ssh/scan-host-key.js";
import { SshError } from "../../../src/ssh/ssh-error.js";
import { createLabHost, type LabHost } from "../../lab/lab.js";
import { describeLab } from "../../support/describe-lab.js";

describeLab("scanHostKey", () => {
  let host: LabHost;
  let silent: Server;

  beforeAll(async () => {
    host = await createLabHost({ name: "scanned", release: "2.23.1" });
    // Accepts TCP and never says a word.
    silent = createServer(() => {}).listen(0, "127.0.0.1");
    await new Promise((r) => silent.once("listening", r));
  });
  afterAll(async () => {
    silent?.close();
    await host?.destroy();
  });

  it("gets the host's key without logging in: the fingerprint ssh-keygen prints", async () => {
    const key = await scanHostKey({ address: host.address, port: host.port });
    expect(key).toEqual({ fingerprint: host.record.hostKeyFingerprint, keyType: "ssh-ed25519" });
  });

  it("fails with refused, or timeout, as an SshError naming address and port", async () => {
    await host.killSshd();
    try {
      const refused = scanHostKey({ address: host.address, port: host.port });
      await expect(refused).rejects.toBeInstanceOf(SshError);
      await expect(refused).rejects.toMatchObject({
        code: "refused",
        message: `${host.address}:${host.port}: connection refused (is sshd running on that port?)`,
      });
    } finally {
      await host.startSshd();
    }
    const port = (silent.address() as { port: number }).port;
    await expect(
      scanHostKey({ address: "127.0.0.1", port }, { timeoutMs: 300 }),
    ).rejects.toMatchObject({ code: "timeout" });
  });
});
