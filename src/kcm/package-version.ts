/** An rpm version: `[epoch:]version-release`. */
export interface PackageVersion {
  /** 0 when the package has no epoch. */
  epoch: number;
  version: string;
  release: string;
}

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
