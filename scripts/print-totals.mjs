// Prints vitest's totals from its JSON report, alone on a line: "N passed, N failed".
import { readFileSync } from "node:fs";

const file = process.argv[2] ?? ".test-results/vitest.json";
let report;
try {
  report = JSON.parse(readFileSync(file, "utf8"));
} catch (error) {
  console.error(`no vitest report at ${file}: ${error.message}`);
  console.log("0 passed, 1 failed");
  process.exit(1);
}
console.log(`${report.numPassedTests} passed, ${report.numFailedTests} failed`);
