import type { Redis } from "ioredis";
import { AUDIT_GENESIS, auditHash, fieldOf } from "./audit-chain.js";
import { readAuditEntries } from "./read-audit-entries.js";

/** What `audit verify` found. */
export type AuditVerdict =
  | {
      ok: true;
      /** Chained entries checked. */
      count: number;
      /** Entries from before the chain (no `hash`) at the start of the stream: kept, not covered. */
      unchained: number;
      /** The last entry's id and hash: keep it somewhere else to detect a later rewrite of the whole stream. */
      head?: { id: string; hash: string };
    }
  | {
      ok: false;
      /**
       * - `edited`: the entry's fields do not match its hash;
       * - `deleted`: the entry's `prev` matches no entry: one before it is gone
       *   (or the one before was edited and re-hashed); or Redis counted more
       *   entries added than the stream holds;
       * - `inserted`: the entry is not in the chain (no hash, or the next
       *   entry's `prev` skips it).
       */
      kind: "edited" | "deleted" | "inserted";
      /** The first bad entry's stream id. */
      id: string;
      message: string;
      /** Entries checked and found good before it. */
      count: number;
    };

/** How many recent hashes to remember, to tell an inserted entry from a deleted one. */
const WINDOW = 1000;

/** The fields of `XINFO STREAM` this needs; `entriesAdded` is absent before Redis 7. */
async function streamInfo(redis: Redis, key: string) {
  let flat: unknown[];
  try {
    flat = (await redis.xinfo("STREAM", key)) as unknown[];
  } catch (error) {
    if (error instanceof Error && /no such key/i.test(error.message)) return undefined;
    throw error;
  }
  const info = new Map<string, unknown>();
  for (let i = 0; i + 1 < flat.length; i += 2) info.set(String(flat[i]), flat[i + 1]);
  const added = info.get("entries-added");
  return {
    length: Number(info.get("length")),
    lastId: String(info.get("last-generated-id")),
    ...(added === undefined ? {} : { entriesAdded: Number(added) }),
    maxDeletedId: String(info.get("max-deleted-entry-id") ?? "0-0"),
  };
}

/**
 * Walks the audit stream oldest first, a page at a time, recomputing each
 * entry's hash and checking that its `prev` is the hash of the entry before
 * it; stops at the first bad entry. Entries appended while it runs are not
 * looked at. Then, on Redis 7 and later, compares the entries present with
 * the number Redis counted as added, which finds entries deleted from the
 * end (where no later `prev` would miss them).
 */
export async function verifyAuditChain(
  redis: Redis,
  key: string,
  options: { pageSize?: number } = {},
): Promise<AuditVerdict> {
  const info = await streamInfo(redis, key);
  if (info === undefined) return { ok: true, count: 0, unchained: 0 };
  let count = 0;
  let unchained = 0;
  let expected = AUDIT_GENESIS;
  let previous: string | undefined;
  // Recent entries in order, to name the first of a run of inserted ones.
  const recent: { id: string; hash: string }[] = [];
  const bad = (
    kind: "edited" | "deleted" | "inserted",
    id: string,
    message: string,
    intact = count,
  ) => ({ ok: false, kind, id, message, count: intact }) as const;
  const entries = readAuditEntries(redis, key, {
    end: info.lastId,
    ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
  });
  for await (const entry of entries) {
    const hash = fieldOf(entry, "hash");
    const prev = fieldOf(entry, "prev");
    if (hash === undefined) {
      if (previous === undefined) {
        unchained++;
        continue;
      }
      return bad(
        "inserted",
        entry.id,
        `entry ${entry.id} has no hash: it was added after ${previous} without the audit log`,
      );
    }
    if (prev === undefined || auditHash(prev, entry.fields) !== hash) {
      return bad(
        "edited",
        entry.id,
        `entry ${entry.id} does not match its hash: a field was changed after it was written`,
      );
    }
    if (prev !== expected) {
      const at = recent.findIndex((r) => r.hash === prev);
      const skipped = at >= 0 ? recent[at + 1] : undefined;
      if (skipped !== undefined) {
        return bad(
          "inserted",
          skipped.id,
          `entry ${skipped.id} is not in the chain: ${entry.id} follows ${recent[at]?.id} directly`,
          // The entries from the skipped one on were counted as they passed.
          count - (recent.length - at - 1),
        );
      }
      // An entry chained onto nothing, with the chain going on after it, was slipped in.
      const next = await entries.next();
      if (!next.done && fieldOf(next.value, "prev") === expected) {
        return bad(
          "inserted",
          entry.id,
          `entry ${entry.id} is not in the chain: ${next.value.id} follows ${previous ?? "the chain's start"} directly`,
        );
      }
      return bad(
        "deleted",
        entry.id,
        previous === undefined
          ? `entry ${entry.id} is not the start of the chain: the entries before it were deleted`
          : `the chain breaks between ${previous} and ${entry.id}: an entry between them was deleted (or ${previous} was rewritten)`,
      );
    }
    expected = hash;
    previous = entry.id;
    recent.push({ id: entry.id, hash });
    if (recent.length > WINDOW) recent.shift();
    count++;
  }
  const present = count + unchained;
  if (info.entriesAdded !== undefined && info.entriesAdded > present) {
    const gone = info.entriesAdded - present;
    return bad(
      "deleted",
      info.maxDeletedId,
      `Redis counted ${info.entriesAdded} entries added and ${present} remain: ${gone} ${gone === 1 ? "was" : "were"} deleted, the last of them ${info.maxDeletedId}`,
    );
  }
  const head = recent.at(-1);
  return { ok: true, count, unchained, ...(head === undefined ? {} : { head }) };
}
