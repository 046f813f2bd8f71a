import { randomBytes } from "node:crypto";

/** A request id: also a job id, a Redis key part and a file name on hosts. */
export const REQUEST_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** A new request id: `r-` and 8 base-36 characters (a job id, a file name on hosts, chat text). */
export function newRequestId(): string {
  const n = randomBytes(6).readUIntBE(0, 6);
  return `r-${n.toString(36).padStart(8, "0").slice(-8)}`;
}
