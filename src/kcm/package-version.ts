import { z } from "zod";

/**
 * An rpm version, `[epoch:]version-release` (epoch 0 when the package has
 * none), in rpm's character sets: what kcm/commands.ts insists on before a
 * version reaches a command.
 */
export const packageVersionSchema = z.object({
  epoch: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31),
  version: z.string().regex(/^[A-Za-z0-9._+~^]{1,64}$/),
  release: z.string().regex(/^[A-Za-z0-9._+~^]{1,64}$/),
});
export type PackageVersion = z.infer<typeof packageVersionSchema>;

// rpm allows neither "-" in a version nor ":" after the epoch; a release has no "-".
const EVR = /^(?:(\d+):)?([^\s:-]+)-([^\s:-]+)$/;

/** Reads `1:2.24.1-1.el8` or `2.24.1-1.el8`; undefined for anything else. */
export function parsePackageVersion(text: string): PackageVersion | undefined {
  const match = EVR.exec(text);
  if (!match) return undefined;
  const [, epoch, version, release] = match;
  if (version === undefined || release === undefined) return undefined;
  return { epoch: epoch === undefined ? 0 : Number(epoch), version, release };
}

/** `1:2.24.1-1.el8`, or `2.24.1-1.el8` when the epoch is 0: as yum prints it. */
export function formatPackageVersion(v: PackageVersion): string {
  return `${v.epoch > 0 ? `${v.epoch}:` : ""}${v.version}-${v.release}`;
}

export function samePackageVersion(a: PackageVersion, b: PackageVersion): boolean {
  return a.epoch === b.epoch && a.version === b.version && a.release === b.release;
}
