import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import {
  DEFAULT_HELPER_PATH,
  HELPER_ACCESS,
  hostCommands,
} from "../../../src/kcm/host-commands.js";
import { sudoersLines } from "../../../src/kcm/sudoers-lines.js";
import { runCommand } from "../../lab/run-command.js";
import { describeLab } from "../../support/describe-lab.js";

async function visudo(lines: string[]): Promise<{ code: number | null; output: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), "kcm-sudoers-"));
  try {
    const file = path.join(dir, "kcm-chatops");
    await writeFile(file, `${lines.join("\n")}\n`, { mode: 0o440 });
    const check = await runCommand("visudo", ["-c", "-f", file]);
    return { code: check.code, output: check.stdout + check.stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The alias's commands as sudo reads them: escapes undone, one per entry. */
const granted = (lines: string[]) =>
  lines.join("\n").replaceAll("\\=", "=").replaceAll("\\\n    ", "");

describeLab("the sudoers lines the README tells administrators to install", () => {
  it("the helper's pass visudo's check and name the helper alone, every subcommand", async () => {
    const lines = sudoersLines("kcm-bot", HELPER_ACCESS);
    const check = await visudo(lines);
    expect(check.output).toContain("parsed OK");
    expect(check.code).toBe(0);
    const alias = granted(lines);
    // Every root command the bot sends, as sudo sees it once the shell ran it.
    const commands = hostCommands(HELPER_ACCESS);
    for (const command of [
      commands.checkSudo,
      commands.listUpdates,
      commands.lastTransaction,
      commands.stopServices("standalone"),
      commands.startServices("tomcat"),
      commands.servicesState("tomcat"),
    ]) {
      expect(alias).toContain(command.replace(/^sudo -n /, ""));
    }
    expect(alias).toContain(`${DEFAULT_HELPER_PATH} upgrade kcm-*`);
    expect(alias).not.toMatch(/\byum\b|systemctl/);
    expect(lines[lines.length - 1]).toBe("kcm-bot ALL=(root) NOPASSWD: KCM_CHATOPS_KCM_BOT");
  });

  it("direct-sudo's pass visudo's check and cover yum and systemctl", async () => {
    const access = { privilege: "direct-sudo", helperPath: DEFAULT_HELPER_PATH } as const;
    const lines = sudoersLines("kcm-bot", access);
    const check = await visudo(lines);
    expect(check.code).toBe(0);
    const listUpdates = hostCommands(access).listUpdates;
    const asSudoSeesIt = listUpdates
      .replace(/^LC_ALL=C sudo -n yum/, "/usr/bin/yum")
      .replaceAll("'", "");
    expect(granted(lines)).toContain(asSudoSeesIt);
  });
});
