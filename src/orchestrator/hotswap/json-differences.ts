/**
 * Where two JSON values differ, as dotted paths (`Resources.Bucket.Properties.VersioningConfiguration`):
 * the deepest place at which both sides still have the same shape, so a person sees what changed, not a whole resource.
 */
import { canonicalJson } from "../../canonical-json.js";

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

export function differingPaths(before: unknown, after: unknown, path: readonly string[] = []): string[][] {
  if (canonicalJson(before) === canonicalJson(after)) return [];
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => differingPaths(before[key], after[key], [...path, key]));
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((item, i) => differingPaths(item, after[i], [...path, String(i)]));
  }
  return [[...path]];
}

export const pathText = (path: readonly string[]): string => path.join(".");
