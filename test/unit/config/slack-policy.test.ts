import { describe, expect, it } from "vitest";
import { parseInventory } from "../../../src/config/parse-inventory.js";
import { issuesOf, VALID_INVENTORY } from "./inventory-text.js";

const withSlack = (yaml: string) => `${VALID_INVENTORY}\nslack:\n${yaml}`;

describe("the inventory's slack section", () => {
  it("is optional: check and the CLI need no Slack", () => {
    expect(parseInventory(VALID_INVENTORY, "fleet.yml").slack).toBeUndefined();
  });

  it("reads channels, approvers, groups and requesters, with a 60-minute expiry by default", () => {
    const inventory = parseInventory(
      withSlack(
        "  channels: [C0123ABCD]\n  approvers: [U111AAA, W222BBB]\n  approverGroups: [S0ABC123]\n  requesters: [U333CCC]\n",
      ),
      "fleet.yml",
    );
    expect(inventory.slack).toEqual({
      channels: ["C0123ABCD"],
      approvers: ["U111AAA", "W222BBB"],
      approverGroups: ["S0ABC123"],
      requesters: ["U333CCC"],
      requestExpiryMinutes: 60,
    });
  });

  it("lists every problem by path: ids, nobody to approve, expiry range, unknown keys", () => {
    const issues = issuesOf(
      withSlack(
        "  channels: [C0123ABCD, general]\n  approvers: []\n  requestExpiryMinutes: 0\n  aprovers: [U1]\n",
      ),
    );
    const paths = issues.map((i) => i.path);
    expect(paths).toContain("slack.channels[1]");
    expect(paths).toContain("slack.requestExpiryMinutes");
    expect(paths).toContain("slack.aprovers");
    expect(issues.find((i) => i.path === "slack.aprovers")?.message).toContain(
      'did you mean "approvers"',
    );
  });

  it("refuses a policy in which nobody can approve", () => {
    const issues = issuesOf(withSlack("  channels: [C0123ABCD]\n"));
    expect(issues).toContainEqual(
      expect.objectContaining({
        path: "slack",
        message: expect.stringContaining("somebody must be able to approve"),
      }),
    );
  });
});
