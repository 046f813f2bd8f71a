import type { Redis } from "ioredis";
import type { AuditEntry } from "./audit-chain.js";

/** Which entries to read: XRANGE bounds (`-`, `+`, an id, a time in ms, `(id` to exclude one). */
export interface AuditRange {
  /** @defaultValue "-" */
  start?: string;
  /** @defaultValue "+" */
  end?: string;
  /** Entries per XRANGE call. @defaultValue 500 */
  pageSize?: number;
}

/**
 * The stream's entries, oldest first, read a page at a time (XRANGE with
 * COUNT, each page starting after the last id of the one before), so a
 * stream of millions is never held at once.
 */
export async function* readAuditEntries(
  redis: Redis,
  key: string,
  range: AuditRange = {},
): AsyncGenerator<AuditEntry> {
  const pageSize = range.pageSize ?? 500;
  const end = range.end ?? "+";
  let start = range.start ?? "-";
  for (;;) {
    const page = await redis.xrange(key, start, end, "COUNT", pageSize);
    for (const [id, flat] of page) {
      const fields: [string, string][] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        fields.push([flat[i] as string, flat[i + 1] as string]);
      }
      yield { id, fields };
    }
    const last = page.at(-1);
    if (last === undefined || page.length < pageSize) return;
    start = `(${last[0]}`;
  }
}
