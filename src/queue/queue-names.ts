/** The BullMQ queue upgrade and rollback jobs go through. */
export const UPGRADE_QUEUE = "kcm-upgrades";

/** BullMQ's key prefix under kcm-chatops's own (see `KCM_REDIS_PREFIX`). */
export function bullPrefix(redisPrefix: string): string {
  return `${redisPrefix}:bull`;
}
