/** A mistake in how the CLI was called: printed with the usage line, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  readonly code = "usage";
}
