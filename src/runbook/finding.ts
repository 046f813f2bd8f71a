/** The outcome of one check: what it found and, when it failed, what to do. */
export interface Finding {
  /** What was checked: `reachable`, `host key`, `login`, `sudo`, `layout`... */
  check: string;
  /**
   * `skipped` when the check could not be made (its reason in `summary`);
   * `warning` when it passes but a person should know (a root-equivalent setting).
   */
  status: "ok" | "warning" | "failed" | "skipped";
  summary: string;
  /** Evidence for a failure, notes for a pass. */
  details: string[];
  /** What to do about a failure, one instruction or line to paste per entry. */
  fix: string[];
}
