import type { z } from "zod";
import { suggestNames } from "../domain/suggest-names.js";
import type { PathSegment } from "./format-path.js";

/** A problem at a path, before the path is formatted for people. */
export interface PathIssue {
  path: PathSegment[];
  message: string;
}

/**
 * zod's issues as one problem per place: an unknown key at the key's own path
 * (with a "did you mean"), and a union by the branch the value was meant for.
 *
 * @param knownKeysAt - the keys an object at a path may have, for suggestions
 */
export function flattenZodIssues(
  issues: readonly z.core.$ZodIssue[],
  knownKeysAt: (path: readonly PathSegment[]) => string[],
  prefix: readonly PathSegment[] = [],
): PathIssue[] {
  return issues.flatMap((issue): PathIssue[] => {
    const path = [...prefix, ...issue.path.map(toSegment)];
    switch (issue.code) {
      case "unrecognized_keys":
        return issue.keys.map((key) => ({
          path: [...path, key],
          message: unknownKey(key, knownKeysAt(path)),
        }));
      case "invalid_union": {
        // A branch that failed on the value's type is not the one meant.
        const meant = issue.errors.filter(
          (branch) =>
            !branch.some((inner) => inner.path.length === 0 && inner.code === "invalid_type"),
        );
        const [only] = meant;
        return meant.length === 1 && only !== undefined
          ? flattenZodIssues(only, knownKeysAt, path)
          : [{ path, message: issue.message }];
      }
      default:
        return [{ path, message: issue.message }];
    }
  });
}

/**
 * Plain messages for the issues a schema does not word itself: "required",
 * "expected a list, got "web1"". Pass as the `error` option of `safeParse`.
 */
export const describeZodIssue: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === "invalid_type") {
    if (issue.input === undefined) return "required";
    return `expected ${typeName(issue.expected)}, got ${describeValue(issue.input)}`;
  }
  if (issue.code === "invalid_value") {
    const options = issue.values.map((value) => String(value)).join(", ");
    return `expected one of ${options}, got ${describeValue(issue.input)}`;
  }
  return undefined;
};

function unknownKey(key: string, known: string[]): string {
  const [suggestion] = suggestNames(key, known, 1);
  if (suggestion !== undefined) return `unknown key; did you mean "${suggestion}"?`;
  return known.length > 0 ? `unknown key (expected one of ${known.join(", ")})` : "unknown key";
}

function toSegment(key: PropertyKey): PathSegment {
  return typeof key === "symbol" ? String(key) : key;
}

function typeName(expected: string): string {
  const names: Record<string, string> = {
    object: "a mapping",
    array: "a list",
    string: "text",
    number: "a number",
    int: "a whole number",
    boolean: "true or false",
  };
  return names[expected] ?? expected;
}

/** A value as it appears in a message: short, quoted, never a wall of text. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  const text = typeof value === "string" ? value : String(value);
  const short = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return typeof value === "string" ? JSON.stringify(short) : short;
}
