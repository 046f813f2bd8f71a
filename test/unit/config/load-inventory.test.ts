import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/config/config-error.js";
import { loadInventory } from "../../../src/config/load-inventory.js";
import { VALID_INVENTORY } from "./inventory-text.js";

describe("loadInventory", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kcm-inventory-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads and parses a file, naming it as the source", async () => {
    const file = join(dir, "inventory.yml");
    await writeFile(file, VALID_INVENTORY);
    const inventory = await loadInventory(file);
    expect(inventory.source).toBe(file);
    expect(inventory.hosts.map((host) => host.name)).toEqual(["web1", "web2", "legacy"]);
  });

  it("refuses a missing file as unreadable, with the operating system's error", async () => {
    const file = join(dir, "missing.yml");
    const error = await loadInventory(file).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    if (!(error instanceof ConfigError)) return;
    expect(error.code).toBe("unreadable-inventory");
    expect(error.cause).toMatchObject({ code: "ENOENT" });
    expect(error.message).toBe(
      `The inventory ${file} cannot be read:\n  (file): ENOENT: no such file or directory, open '${file}'`,
    );
  });

  it("refuses a directory as unreadable", async () => {
    await expect(loadInventory(dir)).rejects.toMatchObject({
      code: "unreadable-inventory",
      issues: [{ path: "(file)", message: expect.stringMatching(/^EISDIR/) }],
    });
  });

  it("refuses an invalid file as invalid, listing its problems", async () => {
    const file = join(dir, "bad.yml");
    await writeFile(file, "hosts: []\n");
    await expect(loadInventory(file)).rejects.toMatchObject({
      code: "invalid-inventory",
      source: file,
      issues: [{ path: "hosts", message: "expected at least one host", line: 1 }],
    });
  });
});
