import { describe } from "vitest";

/** The tests' Redis (`npm run test:all` starts one and sets REDIS_URL). */
const REDIS_URL = process.env["REDIS_URL"];

/**
 * `describe` for tests that need the tests' Redis: skipped (never passed)
 * where REDIS_URL is unset; with CI=true it fails instead. Where Redis is
 * there, `within` describes them: vitest's `describe`, or describeLab for
 * tests that need the lab too.
 */
export function describeWithRedis(
  name: string,
  body: (redisUrl: string) => void,
  within: (name: string, body: () => void) => void = describe,
): void {
  if (REDIS_URL !== undefined) within(name, () => body(REDIS_URL));
  else if (process.env["CI"] === "true") {
    describe(name, () => {
      throw new Error("REDIS_URL is not set: run the suite with `npm run test:all`");
    });
  } else describe.skip(name, () => body(""));
}
