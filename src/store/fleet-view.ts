import type { Redis } from "ioredis";
import { z } from "zod";
import { type HostCheck, releaseChange } from "../kcm/host-check.js";
import { formatPackageVersion } from "../kcm/package-version.js";
import type { StoreKeys } from "./store-keys.js";

const snapshotSchema = z.object({
  host: z.string(),
  checkedAt: z.string(),
  kcmVersion: z.string().exactOptional(),
  layout: z.string().exactOptional(),
  pending: z.object({ from: z.string(), to: z.string(), packages: z.number() }).exactOptional(),
  sessions: z.number().nullable().exactOptional(),
  problem: z.string().exactOptional(),
});
type Snapshot = z.infer<typeof snapshotSchema>;

/** What a check says of a host, in a few words (the App Home's line). */
export function snapshotOf(check: HostCheck, at: Date): Snapshot {
  const pending = check.pending ?? [];
  const release = releaseChange(check);
  return {
    host: check.host,
    checkedAt: at.toISOString(),
    ...(check.kcmVersion ? { kcmVersion: check.kcmVersion } : {}),
    ...(check.layout ? { layout: check.layout } : {}),
    ...(release
      ? {
          pending: {
            from: release.from ? formatPackageVersion(release.from) : "(not installed)",
            to: formatPackageVersion(release.to),
            packages: pending.length,
          },
        }
      : {}),
    ...(check.sessions === undefined ? {} : { sessions: check.sessions }),
    ...(check.problems[0] ? { problem: check.problems[0].summary } : {}),
  };
}

/** Each host's last check, one field per host of a Redis hash. */
export class RedisFleetView {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StoreKeys,
  ) {}

  async record(checks: readonly HostCheck[], at: Date): Promise<void> {
    if (checks.length === 0) return;
    const fields = checks.flatMap((c) => [c.host, JSON.stringify(snapshotOf(c, at))]);
    await this.redis.hset(this.keys.fleetView, ...fields);
  }

  /** Every host checked so far; an unreadable entry is left out. */
  async all(): Promise<Snapshot[]> {
    const all = await this.redis.hgetall(this.keys.fleetView);
    return Object.values(all).flatMap((text) => {
      try {
        const parsed = snapshotSchema.safeParse(JSON.parse(text));
        return parsed.success ? [parsed.data] : [];
      } catch {
        return [];
      }
    });
  }
}
