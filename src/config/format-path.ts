/** A step into a parsed document: a mapping key or a list index. */
export type PathSegment = string | number;

/** Where the problem is, for a path that points at the whole file. */
export const WHOLE_FILE = "(file)";

/**
 * A path as an operator reads it: `hosts[2].hostKey`, `groups.web.hosts[0]`,
 * and `windows["late night"]` for a key that is not a plain word.
 */
export function formatPath(path: readonly PathSegment[]): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment))
      text += text === "" ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text === "" ? WHOLE_FILE : text;
}
