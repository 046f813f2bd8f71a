import { describe } from "vitest";
import { describeLab } from "./describe-lab.js";

/** The tests' Redis (`npm run test:all` starts one and sets REDIS_URL). */
export const TEST_REDIS_URL = process.env["REDIS_URL"];

/**
 * `describe` for tests that need the KCM lab and the tests' Redis: skipped
 * (never passed) where they are missing; with CI=true they fail instead.
 */
export function describeLabWithRedis(name: string, body: (redisUrl: string) => void): void {
  if (TEST_REDIS_URL !== undefined) describeLab(name, () => body(TEST_REDIS_URL));
  else if (process.env["CI"] === "true") {
    describe(name, () => {
      throw new Error("REDIS_URL is not set: run the suite with `npm run test:all`");
    });
  } else describe.skip(name, () => body(""));
}
