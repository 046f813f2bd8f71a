import { expect, it } from "vitest";
import type { SlackPolicy } from "../../../src/config/inventory-schema.js";
import { resolveApprovers, type UsergroupsClient } from "../../../src/slack/resolve-approvers.js";

const policy: SlackPolicy = {
  channels: ["C0KCMOPS01"],
  approvers: ["U0BOB"],
  approverGroups: ["S0ONCALL", "S0LEADS"],
  requestExpiryMinutes: 60,
};

function client(groups: Record<string, string[] | Error>): UsergroupsClient {
  return {
    usergroups: {
      users: {
        list: async ({ usergroup }) => {
          const members = groups[usergroup];
          if (members instanceof Error) throw members;
          return { ok: true, users: members ?? [] };
        },
      },
    },
  };
}

it("approvers are the listed users plus the members of the approver groups", async () => {
  const { approvers } = await resolveApprovers(
    client({ S0ONCALL: ["U0DAVE", "U0ERIN"], S0LEADS: ["U0BOB"] }),
    policy,
  );
  expect([...approvers].sort()).toEqual(["U0BOB", "U0DAVE", "U0ERIN"]);
});

it("a group Slack cannot read keeps its members from the last good read", async () => {
  const first = await resolveApprovers(
    client({ S0ONCALL: ["U0DAVE"], S0LEADS: ["U0FRED"] }),
    policy,
  );
  const logged: string[] = [];
  const second = await resolveApprovers(
    client({ S0ONCALL: new Error("ratelimited"), S0LEADS: ["U0GINA"] }),
    policy,
    first.groups,
    (line) => logged.push(line),
  );
  expect([...second.approvers].sort()).toEqual(["U0BOB", "U0DAVE", "U0GINA"]);
  expect(logged[0]).toContain("S0ONCALL");
});
