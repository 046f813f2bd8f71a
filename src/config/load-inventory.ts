import { readFile } from "node:fs/promises";
import { ConfigError } from "./config-error.js";
import type { Inventory } from "./inventory-schema.js";
import { parseInventory } from "./parse-inventory.js";

/**
 * Reads and parses the inventory file. Throws {@link ConfigError}:
 * `unreadable-inventory` with the operating system's error (missing file,
 * no permission), or `invalid-inventory` with every problem in it.
 */
export async function loadInventory(file: string): Promise<Inventory> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ConfigError("unreadable-inventory", file, [{ path: "(file)", message }], {
      cause: error,
    });
  }
  return parseInventory(text, file);
}
