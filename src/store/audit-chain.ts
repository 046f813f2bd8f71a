import { createHash } from "node:crypto";

/**
 * The audit stream's hash chain. Every entry carries, besides its own
 * fields (`when`, `requestId`, `host`, `who`, `what`, `step`, `exitCode`,
 * `detail`), two more: `prev`, the hash of the entry before it (or
 * {@link AUDIT_GENESIS} for the first), and `hash`:
 *
 *   hash = hex(sha256(utf8(JSON.stringify(["kcm-audit/1", prev, pairs]))))
 *
 * where `pairs` is every other field as `[name, value]`, sorted by name
 * (then value) in UTF-16 code unit order. All values are strings, and
 * JSON.stringify escapes strings one way only, so the bytes are canonical.
 * The stream id is not hashed (Redis assigns it inside the XADD); the
 * order is the chain's, the time `when`'s.
 */

/** The `prev` of the first chained entry. */
export const AUDIT_GENESIS = "0".repeat(64);

/** Fields the chain adds to an entry; every other field is hashed. */
export const CHAIN_FIELDS: readonly string[] = ["prev", "hash"];

/** A stream entry: its id and its fields in stream order (a name may repeat: XADD allows it). */
export interface AuditEntry {
  id: string;
  fields: [string, string][];
}

const byNameThenValue = (a: readonly [string, string], b: readonly [string, string]) =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;

/** The canonical serialisation the hash is taken over (see the module comment). */
export function canonicalAuditText(
  prev: string,
  fields: readonly (readonly [string, string])[],
): string {
  const pairs = fields
    .filter(([name]) => !CHAIN_FIELDS.includes(name))
    .map(([name, value]) => [name, value] as const)
    .sort(byNameThenValue);
  return JSON.stringify(["kcm-audit/1", prev, pairs]);
}

/** sha256 of {@link canonicalAuditText}, lowercase hex. */
export function auditHash(prev: string, fields: readonly (readonly [string, string])[]): string {
  return createHash("sha256").update(canonicalAuditText(prev, fields), "utf8").digest("hex");
}

/** The value of a field (its last occurrence), or undefined. */
export function fieldOf(entry: AuditEntry, name: string): string | undefined {
  let found: string | undefined;
  for (const [key, value] of entry.fields) if (key === name) found = value;
  return found;
}
