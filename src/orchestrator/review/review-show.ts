/**
 * Template values as a reviewer reads them: intrinsics in the `${Resource.Attribute}` notation of
 * Fn::Sub, parameters replaced by the values a stack gets, long values shortened in the middle (an ARN's
 * account and name stay readable; the part cut is said to be cut).
 */
import type { Json, Template } from "../../templates/cfn.js";

/** One value on one line: strings as they are, intrinsics as `${Ref}` / `${Id.Attr}`, the rest as compact JSON. */
export function showValue(value: Json | undefined): string {
  if (value === undefined) return "absent";
  if (typeof value === "string") return value;
  if (value === null || typeof value !== "object") return String(value);
  if (Array.isArray(value)) return `[${value.map(showValue).join(", ")}]`;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const [key] = keys as [string];
    const arg = value[key]!;
    if (key === "Ref" && typeof arg === "string") return `\${${arg}}`;
    if (key === "Fn::GetAtt" && Array.isArray(arg)) return `\${${arg.map(showValue).join(".")}}`;
    if (key === "Fn::Sub" && typeof arg === "string") return arg;
    if (key === "Fn::Join" && Array.isArray(arg) && Array.isArray(arg[1])) return arg[1].map(showValue).join(showValue(arg[0]));
  }
  return JSON.stringify(value);
}

/** Longer than `max`: the head and the tail, joined by "…", so both the kind of thing and its name show. */
export function shorten(text: string, max = 72): string {
  if (text.length <= max) return text;
  const tail = Math.min(24, Math.floor(max / 3));
  return `${text.slice(0, max - tail - 1)}…${text.slice(text.length - tail)}`;
}

/** A template with every `{ "Ref": parameter }` replaced by the parameter's value: what the stack really gets. */
export function withParameters(template: Template | undefined, parameters: Readonly<Record<string, string>>): Template | undefined {
  if (!template) return undefined;
  const resolve = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== "object") return value;
    const ref = value.Ref;
    if (Object.keys(value).length === 1 && typeof ref === "string" && parameters[ref] !== undefined) return parameters[ref]!;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
  };
  return { ...template, Resources: resolve(template.Resources as unknown as Json) as unknown as Template["Resources"] };
}

/** A list of strings from a policy field that may be one value or many. */
export const listOf = (value: Json | undefined): string[] => (value === undefined ? [] : (Array.isArray(value) ? value : [value]).map(showValue));
