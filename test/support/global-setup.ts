import { buildLab } from "../lab/build-lab.js";
import { findMissingLabPrerequisites } from "./lab-prerequisites.js";

/** Builds the lab's packages once for the whole run (each test file makes its own hosts). */
export default async function setup(): Promise<void> {
  const missing = await findMissingLabPrerequisites();
  if (missing.length > 0) {
    const message = `KCM lab prerequisites missing: ${missing.join(", ")}`;
    // In CI a missing prerequisite fails the run; it never skips tests silently.
    if (process.env["CI"] === "true") throw new Error(message);
    console.warn(
      `${message}\nLab and integration tests will be skipped. Use \`npm run test:all\`.`,
    );
    return;
  }
  await buildLab();
}
