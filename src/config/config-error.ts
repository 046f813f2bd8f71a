/** One problem in a configuration source, located by a path such as `hosts[2].hostKey`. */
export interface ConfigIssue {
  /** Where the problem is: a path into the inventory, a variable name, or a place in the file. */
  path: string;
  message: string;
  /** The line of the inventory file the path points at, when it is known. */
  line?: number;
}

/** What went wrong, so a caller can tell a missing file from a wrong one. */
export type ConfigErrorCode = "invalid-inventory" | "unreadable-inventory" | "invalid-environment";

/**
 * A configuration that was refused as a whole. Its message is what an operator
 * sees at start-up: a header naming the source, then one line per issue,
 * `  <path>: <message>`, with ` (line N)` when the line is known.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly code: ConfigErrorCode;
  readonly issues: ConfigIssue[];
  /** The inventory file (as given), or `"environment"`. */
  readonly source: string;

  constructor(
    code: ConfigErrorCode,
    source: string,
    issues: ConfigIssue[],
    options?: { cause?: unknown },
  ) {
    super(formatConfigError(code, source, issues), options);
    this.code = code;
    this.source = source;
    this.issues = issues;
  }
}

function formatConfigError(code: ConfigErrorCode, source: string, issues: ConfigIssue[]): string {
  const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
  const header = {
    "invalid-inventory": `The inventory ${source} is invalid (${count}); nothing was loaded:`,
    "unreadable-inventory": `The inventory ${source} cannot be read:`,
    "invalid-environment": `The ${source} is invalid (${count}):`,
  }[code];
  const lines = issues.map(
    (issue) =>
      `  ${issue.path}: ${issue.message}${issue.line === undefined ? "" : ` (line ${issue.line})`}`,
  );
  return [header, ...lines].join("\n");
}
