import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { LIST_UPDATES, sudoersLines } from "../../../src/kcm/commands.js";
import { runCommand } from "../../lab/run-command.js";
import { describeLab } from "../../support/describe-lab.js";

describeLab("the sudoers lines the README tells administrators to install", () => {
  it("pass visudo's check, and cover the bot's sudo commands", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "kcm-sudoers-"));
    try {
      const file = path.join(dir, "kcm-chatops");
      const lines = sudoersLines("kcm-bot");
      await writeFile(file, `${lines.join("\n")}\n`, { mode: 0o440 });
      const check = await runCommand("visudo", ["-c", "-f", file]);
      expect(check.stdout + check.stderr).toContain("parsed OK");
      expect(check.code).toBe(0);
      // The check command as sudo sees it once the remote shell removed the quotes.
      const asSudoSeesIt = LIST_UPDATES.replace(/^sudo -n yum/, "/usr/bin/yum").replaceAll("'", "");
      const granted = lines.join("\n").replaceAll("\\=", "=").replaceAll("\\\n    ", "");
      expect(granted).toContain(asSudoSeesIt);
      expect(lines[lines.length - 1]).toBe("kcm-bot ALL=(root) NOPASSWD: KCM_CHATOPS_KCM_BOT");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
