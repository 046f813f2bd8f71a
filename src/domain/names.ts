/**
 * Host and group names: the only thing chat text can select, so the rule is
 * narrow enough that a name is safe anywhere (a Slack message, a Redis key).
 */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9.-]{0,62}$/;

/** What an upgrade may name: a host, a group, `all`, or hosts separated by commas (no spaces). */
export const TARGET_PATTERN = /^[a-z0-9][a-z0-9.-]{0,62}(,[a-z0-9][a-z0-9.-]{0,62}){0,199}$/;

/** Days of the week, as the inventory spells them. */
export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];
