import { describe } from "vitest";
import { findMissingLabPrerequisites } from "./lab-prerequisites.js";

const missing = await findMissingLabPrerequisites();

/**
 * `describe` for tests that need the KCM lab. Where the lab cannot run they
 * are reported as skipped, never as passed; with CI=true they fail instead.
 */
export function describeLab(name: string, body: () => void): void {
  if (missing.length === 0) describe(name, body);
  else if (process.env["CI"] === "true") {
    describe(name, () => {
      throw new Error(`KCM lab prerequisites missing: ${missing.join(", ")}`);
    });
  } else describe.skip(name, body);
}
