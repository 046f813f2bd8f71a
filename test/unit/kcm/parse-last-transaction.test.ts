import fc from "fast-check";
import { expect, it } from "vitest";
import { parseLastTransaction } from "../../../src/kcm/parse-last-transaction.js";
import { parseTransactionStatus } from "../../../src/kcm/parse-transaction-status.js";

// Captured from the lab's dnf 4.14 (`sudo -n yum --setopt=exit_on_lock=True history info`).
const HISTORY_INFO =
  "Transaction ID : 2\nBegin time     : Thu Nov 26 19:42:28 2026\nEnd time       : Thu Nov 26 19:42:29 2026 (1 seconds)\nUser           : System <unset>\nReturn-Code    : Failure: 1\nReleasever     : 8\nCommand Line   : --installroot=/var/tmp/kcm-lab/hosts/1/root upgrade -y kcm-*\n";

it("reads the newest transaction's id and return code", () => {
  expect(parseLastTransaction({ exitCode: 0, stdout: HISTORY_INFO, stderr: "" })).toEqual({
    kind: "transaction",
    id: 2,
    returnCode: "Failure: 1",
  });
});

it("knows a host without history ('No transactions', as dnf prints it)", () => {
  const output = {
    exitCode: 1,
    stdout: "No transactions\n",
    stderr: "Error: Failed history info\n",
  };
  expect(parseLastTransaction(output)).toEqual({ kind: "none" });
});

it("classifies sudo's refusal", () => {
  const result = parseLastTransaction({
    exitCode: 1,
    stdout: "",
    stderr: "sudo: a password is required\n",
  });
  expect(result).toMatchObject({ kind: "failed", failure: { code: "sudo-password" } });
});

it("reads where a detached transaction stands", () => {
  expect(
    parseTransactionStatus({ exitCode: 0, stdout: "finished 0\nComplete!\n", stderr: "" }),
  ).toEqual({
    state: "finished",
    exitCode: 0,
    log: "Complete!\n",
  });
  expect(
    parseTransactionStatus({ exitCode: 0, stdout: "running\nRunning transaction\n", stderr: "" }),
  ).toEqual({
    state: "running",
    log: "Running transaction\n",
  });
  expect(parseTransactionStatus({ exitCode: 0, stdout: "absent\n", stderr: "" })).toEqual({
    state: "absent",
  });
  expect(parseTransactionStatus({ exitCode: 0, stdout: "vanished\n", stderr: "" })).toMatchObject({
    state: "vanished",
  });
});

it("never throws, whatever the output", () => {
  fc.assert(
    fc.property(fc.option(fc.integer()), fc.string(), fc.string(), (exitCode, stdout, stderr) => {
      const a = parseLastTransaction({ exitCode, stdout, stderr });
      const b = parseTransactionStatus({ exitCode, stdout, stderr });
      expect(typeof a.kind).toBe("string");
      expect(typeof b.state).toBe("string");
    }),
  );
});
