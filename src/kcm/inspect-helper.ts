import type { CommandOutput } from "./command-output.js";

/**
 * What the bot's account sees of the host helper at `helperPath`, without
 * root (POSIX sh and coreutils, as on RHEL 7 to 9): whether it is there, who
 * owns it and its folder, which of it, its folder and their ancestors the
 * account could change (a writable folder without the sticky bit lets it
 * replace what is inside), its sha256, and the settings file beside it.
 * One fact per line: `missing`, `owner <uid of file> <uid of folder>`,
 * `writable <path>`, `not-executable`, `sha256 <hex>`, `conf <uid> <line>`.
 */
export function inspectHelperCommand(helperPath: string): string {
  if (!/^\/[A-Za-z0-9._/+-]+$/.test(helperPath)) {
    throw new Error(`inspectHelperCommand: not a plain absolute path: ${helperPath}`);
  }
  return [
    `h='${helperPath}'; d=\${h%/*}`,
    'if [ ! -e "$h" ]; then echo missing; exit 0; fi',
    'echo "owner $(stat -L -c %u "$h") $(stat -L -c %u "$d")"',
    '[ -w "$h" ] && echo "writable $h"',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: ${a%/*} is the shell's.
    'a=$d; while [ -n "$a" ]; do if [ -w "$a" ] && [ ! -k "$a" ]; then echo "writable $a"; fi; a=${a%/*}; done',
    '[ -w / ] && echo "writable /"',
    '[ -x "$h" ] || echo not-executable',
    'echo "sha256 $(sha256sum < "$h" | cut -d " " -f 1)"',
    'c="$d/kcm-host.conf"; if [ -f "$c" ]; then u=$(stat -c %u "$c"); while IFS= read -r l || [ -n "$l" ]; do echo "conf $u $l"; done < "$c"; fi',
    "true",
  ].join("; ");
}

/** The facts {@link inspectHelperCommand} prints. */
export type HelperState =
  | { kind: "missing" }
  | {
      kind: "present";
      /** Owner of the helper and of its folder (uids). */
      ownerUid: number;
      folderOwnerUid: number;
      /** Paths the account may write: the helper, its folder, or a folder above it. */
      writable: string[];
      executable: boolean;
      sha256: string;
      /** kcm-host.conf beside the helper: its owner and lines, if there is one. */
      conf?: { ownerUid: number; lines: string[] };
    }
  | { kind: "unrecognised"; text: string };

/** Reads {@link inspectHelperCommand}'s output. Never throws. */
export function parseHelperState(output: CommandOutput): HelperState {
  const lines = output.stdout.split("\n").filter((l) => l !== "");
  const unrecognised = { kind: "unrecognised", text: `${output.stdout}${output.stderr}` } as const;
  if (lines[0] === "missing") return { kind: "missing" };
  const owner = /^owner (\d+) (\d+)$/.exec(lines[0] ?? "");
  const sha = lines.map((l) => /^sha256 ([0-9a-f]{64})$/.exec(l)?.[1]).find(Boolean);
  if (!owner || !sha || output.exitCode !== 0) return unrecognised;
  const conf = lines.flatMap((l) => {
    const m = /^conf (\d+) (.*)$/.exec(l);
    return m ? [{ uid: Number(m[1]), line: m[2] ?? "" }] : [];
  });
  return {
    kind: "present",
    ownerUid: Number(owner[1]),
    folderOwnerUid: Number(owner[2]),
    writable: lines.flatMap((l) => (l.startsWith("writable ") ? [l.slice(9)] : [])),
    executable: !lines.includes("not-executable"),
    sha256: sha,
    ...(conf.length > 0
      ? { conf: { ownerUid: conf[0]?.uid ?? -1, lines: conf.map((c) => c.line) } }
      : {}),
  };
}
