/**
 * Answers the person who typed a command, privately, through the command's
 * `response_url` (valid for 30 minutes). Never throws: a lost private answer
 * must not fail the work; the caller may log the returned problem.
 */
export async function respondEphemeral(
  responseUrl: string | undefined,
  text: string,
): Promise<string | undefined> {
  if (!responseUrl) return "no response_url";
  try {
    const response = await fetch(responseUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ response_type: "ephemeral", replace_original: false, text }),
      signal: AbortSignal.timeout(10_000),
    });
    return response.ok ? undefined : `response_url answered ${response.status}`;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
