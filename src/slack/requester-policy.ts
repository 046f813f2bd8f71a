import type { SlackPolicy } from "../config/inventory-schema.js";

/** What someone off the requesters list is told when they ask for something. */
export const NOT_A_REQUESTER =
  "You are not on kcm-chatops's list of requesters; ask an administrator to add you.";

/** Whether `user` may ask for checks and upgrades: anyone in the channels, unless the inventory lists requesters. */
export function mayRequest(slack: Pick<SlackPolicy, "requesters">, user: string): boolean {
  return slack.requesters === undefined || slack.requesters.includes(user);
}
