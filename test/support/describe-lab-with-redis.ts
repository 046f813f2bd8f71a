import { describeLab } from "./describe-lab.js";
import { describeWithRedis } from "./describe-with-redis.js";

/**
 * `describe` for tests that need the KCM lab and the tests' Redis: skipped
 * (never passed) where they are missing; with CI=true they fail instead.
 */
export function describeLabWithRedis(name: string, body: (redisUrl: string) => void): void {
  describeWithRedis(name, body, describeLab);
}
