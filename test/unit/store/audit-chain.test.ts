import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AUDIT_GENESIS, auditHash, canonicalAuditText } from "../../../src/store/audit-chain.js";

const fields: [string, string][] = [
  ["when", "2026-11-26T19:30:00.000Z"],
  ["requestId", "r-00000001"],
  ["host", "kcm-1"],
  ["who", "worker (approved by U0APPROVER)"],
  ["what", "step-finished"],
  ["exitCode", "0"],
];

describe("the audit chain's hash", () => {
  it("is sha256 over a versioned JSON array of prev and the fields sorted by name", () => {
    const text = canonicalAuditText(AUDIT_GENESIS, fields);
    expect(text).toBe(
      `["kcm-audit/1","${AUDIT_GENESIS}",[["exitCode","0"],["host","kcm-1"],["requestId","r-00000001"],["what","step-finished"],["when","2026-11-26T19:30:00.000Z"],["who","worker (approved by U0APPROVER)"]]]`,
    );
    expect(auditHash(AUDIT_GENESIS, fields)).toBe(
      createHash("sha256").update(text, "utf8").digest("hex"),
    );
  });

  it("does not depend on the fields' order, and leaves the chain's own fields out", () => {
    const shuffled = [...fields].reverse();
    const withChain: [string, string][] = [...fields, ["prev", "x"], ["hash", "y"]];
    expect(auditHash("a".repeat(64), shuffled)).toBe(auditHash("a".repeat(64), fields));
    expect(auditHash("a".repeat(64), withChain)).toBe(auditHash("a".repeat(64), fields));
  });

  it("changes with prev, any value, a field added, or a name repeated", () => {
    const base = auditHash(AUDIT_GENESIS, fields);
    const variants: [string, [string, string][]][] = [
      ["b".repeat(64), fields],
      [AUDIT_GENESIS, fields.map(([k, v]) => [k, k === "exitCode" ? "1" : v])],
      [AUDIT_GENESIS, [...fields, ["detail", ""]]],
      [AUDIT_GENESIS, [...fields, ["host", "kcm-1"]]],
      // A value that would read as two fields if the form were "k=v;k=v".
      [AUDIT_GENESIS, fields.map(([k, v]) => [k, k === "host" ? 'kcm-1","what' : v])],
    ];
    for (const [prev, changed] of variants) expect(auditHash(prev, changed)).not.toBe(base);
  });
});
