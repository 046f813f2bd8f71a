import { readFile } from "node:fs/promises";
import { expect, it } from "vitest";
import { HELPER_ACCESS } from "../../../src/kcm/host-commands.js";
import { sudoersLines } from "../../../src/kcm/sudoers-lines.js";

it("the README shows administrators exactly the sudoers lines the bot needs", async () => {
  const readme = await readFile(new URL("../../../README.md", import.meta.url), "utf8");
  const block = /```\n(Defaults:kcm-bot[\s\S]*?)\n```/.exec(readme)?.[1];
  expect(block).toBe(sudoersLines("kcm-bot", HELPER_ACCESS).join("\n"));
});
