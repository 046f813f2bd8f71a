/**
 * A Redis record that is not what kcm-chatops wrote there (corrupt, from
 * another program, or from a version that wrote another shape): named by its
 * key, never read on with a guess.
 */
export class StoreRecordError extends Error {
  override readonly name = "StoreRecordError";
  readonly code = "bad-record";

  constructor(
    readonly key: string,
    why: string,
  ) {
    super(`the Redis record ${key} is not one kcm-chatops can read: ${why}`);
  }
}

/** Parses a record's JSON with `schema`; a StoreRecordError naming `key` if it does not fit. */
export function readRecord<T>(
  key: string,
  raw: string,
  schema: {
    safeParse(
      value: unknown,
    ): { success: true; data: T } | { success: false; error: { message: string } };
  },
): T {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new StoreRecordError(key, "not JSON");
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new StoreRecordError(key, parsed.error.message.slice(0, 300));
  return parsed.data;
}
