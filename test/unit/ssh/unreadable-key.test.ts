import { chmod, chown, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeUnreadableKey } from "../../../src/ssh/unreadable-key.js";

describe("describeUnreadableKey", () => {
  let dir: string;
  let key: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "kcm-key-"));
    key = path.join(dir, "id_ed25519");
    await writeFile(key, "not a key");
    await chmod(key, 0o600);
    // Another owner, as a root-owned key looks to the container's `node` user.
    if (process.getuid?.() === 0) await chown(key, 4242, 4242);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("says who owns the key, with what mode, who the process is, and the fix", async () => {
    const denied = Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" });
    const said = await describeUnreadableKey(key, denied);
    const owner = process.getuid?.() === 0 ? 4242 : process.getuid?.();
    expect(said).toBe(
      `cannot read the private key ${key}: it is owned by uid ${owner} with mode 0600, and kcm-chatops runs as uid ${process.getuid?.()}. Make the key readable by uid ${process.getuid?.()} only: chown ${process.getuid?.()} <key> && chmod 600 <key> (for Docker, on the file in ./config on the Docker host)`,
    );
  });

  it("a key that is not there says so", async () => {
    const missing = Object.assign(new Error("ENOENT"), { code: "ENOENT" });
    expect(await describeUnreadableKey(path.join(dir, "nope"), missing)).toBe(
      `the private key ${path.join(dir, "nope")} does not exist`,
    );
  });
});
