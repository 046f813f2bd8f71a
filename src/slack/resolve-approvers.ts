import type { SlackPolicy } from "../config/inventory-schema.js";

/** The narrow slice of the Web API client this needs. */
export interface UsergroupsClient {
  usergroups: {
    users: { list(args: { usergroup: string }): Promise<{ ok?: boolean; users?: string[] }> };
  };
}

/**
 * The approvers: the policy's user ids plus the current members of its
 * approver groups. A group that cannot be read keeps its members from the
 * last successful read (so a Slack outage does not remove every approver).
 */
export async function resolveApprovers(
  client: UsergroupsClient,
  policy: SlackPolicy,
  previous: ReadonlyMap<string, readonly string[]> = new Map(),
  log?: (line: string) => void,
): Promise<{ approvers: Set<string>; groups: Map<string, string[]> }> {
  const groups = new Map<string, string[]>();
  for (const group of policy.approverGroups) {
    try {
      const answer = await client.usergroups.users.list({ usergroup: group });
      groups.set(group, answer.users ?? []);
    } catch (error) {
      log?.(`cannot read user group ${group}: ${error instanceof Error ? error.message : error}`);
      groups.set(group, [...(previous.get(group) ?? [])]);
    }
  }
  return { approvers: new Set([...policy.approvers, ...[...groups.values()].flat()]), groups };
}
