/** What a secret becomes in a log line. */
export const REDACTED = "[redacted]";

/** Keys whose values are secrets whatever they hold (matched anywhere in the key, any case). */
const SECRET_KEY = /token|secret|passw|passphrase|authorization|cookie|api[-_]?key/i;

/** Patterns of secrets in text, and what each becomes. */
const SECRET_TEXT: ReadonlyArray<[RegExp, string]> = [
  // A PEM private key (RSA, EC, OPENSSH, ENCRYPTED...), whole or cut short:
  // up to its END line or, without one, to the end of the text.
  [
    /-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----[\s\S]*?(?:-----END ([A-Z0-9]+ )*PRIVATE KEY-----|$)/g,
    "[redacted private key]",
  ],
  // Slack tokens: bot (xoxb-), user (xoxp-), app-level (xapp-), and the rest of the xox family.
  [/xox[abeoprs]-[A-Za-z0-9-]+/g, `xox-${REDACTED}`],
  [/xapp-[A-Za-z0-9-]+/g, `xapp-${REDACTED}`],
  // The password of a URL's userinfo: redis://:pw@host, rediss://user:pw@host.
  [/([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:)[^\s@/]+@/gi, `$1${REDACTED}@`],
  [/\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/g, `$1 ${REDACTED}`],
];

/**
 * Replaces every secret in `text`: Slack tokens, PEM private keys, URL
 * passwords, bearer tokens, and each of `literals` (known secret values such
 * as the signing secret; values shorter than 6 characters are left alone,
 * they would blank out ordinary words).
 */
export function redactText(text: string, literals: readonly string[] = []): string {
  let out = text;
  for (const literal of literals) if (literal.length >= 6) out = out.replaceAll(literal, REDACTED);
  for (const [pattern, replacement] of SECRET_TEXT) out = out.replace(pattern, replacement);
  return out;
}

/**
 * A copy of `value` with every secret redacted, at any depth: the values of
 * keys named like token, secret, password, authorization, cookie or api key,
 * and secrets in any text ({@link redactText}).
 */
export function redactValue(value: unknown, literals: readonly string[] = []): unknown {
  if (typeof value === "string") return redactText(value, literals);
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, literals));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    copy[key] = SECRET_KEY.test(key) && item != null ? REDACTED : redactValue(item, literals);
  }
  return copy;
}

/**
 * Redacts one JSON log line (as pino writes it, newline included): parsed,
 * redacted field by field, written again. A line that is not JSON has its
 * text redacted as it is.
 */
export function redactLine(line: string, literals: readonly string[] = []): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return redactText(line, literals);
  }
  return `${JSON.stringify(redactValue(parsed, literals))}\n`;
}
