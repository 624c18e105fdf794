/**
 * Each modified property with its value before and after. The values come from the change set itself
 * (DescribeChangeSet with IncludePropertyValues: ResourceChange.BeforeContext / AfterContext, JSON of the
 * resource as deployed and as it will be, parameters resolved); without them, from the detail's
 * BeforeValue/AfterValue, which hold the template's text. A nested value (a container definition, a policy)
 * is shown as the leaves that differ, so the one changed field is not lost in the middle of a long JSON.
 * A property that forces a replacement says so: that is the cause.
 */
import type { ResourceChange, ResourceChangeDetail } from "@aws-sdk/client-cloudformation";
import type { Json } from "../../templates/cfn.js";
import { shorten, showValue } from "./review-show.js";
import { describeImage } from "./review-parameters.js";

export interface PropertyValue {
  /** `RetentionInDays`, `ContainerDefinitions[0].Image`, or an attribute such as `DeletionPolicy` or `Tags`. */
  readonly name: string;
  readonly before: string;
  readonly after: string;
  /** This property's change makes CloudFormation replace the resource (RequiresRecreation Always/Conditionally). */
  readonly causesReplacement: boolean;
}

/** Beyond this many differing leaves of one property, the rest are counted, not listed. */
const MAX_LEAVES = 6;

const parseContext = (text: string | undefined): Record<string, Json> | undefined => {
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as { Properties?: Record<string, Json> };
    return parsed && typeof parsed === "object" ? (parsed.Properties ?? {}) : undefined;
  } catch {
    return undefined;
  }
};

/** Before → after of every property a Modify changes, one readable line per differing value. */
export function propertyValues(rc: ResourceChange, maxLength = 72): PropertyValue[] {
  if (rc.Action !== "Modify") return [];
  const before = parseContext(rc.BeforeContext);
  const after = parseContext(rc.AfterContext);
  const byName = new Map<string, ResourceChangeDetail[]>();
  for (const detail of rc.Details ?? []) {
    const target = detail.Target;
    if (!target) continue;
    const name = target.Attribute === "Properties" && target.Name ? target.Name : (target.Attribute ?? "?");
    byName.set(name, [...(byName.get(name) ?? []), detail]);
  }
  return [...byName].flatMap(([name, details]) => {
    const causesReplacement = details.some((d) => d.Target?.RequiresRecreation === "Always" || d.Target?.RequiresRecreation === "Conditionally");
    // A tag change is reported as the Tags attribute; the contexts hold the tags among the properties.
    const isProperty = details[0]!.Target?.Attribute === "Properties" || name === "Tags";
    // An image by digest reads as repository and digest, as in the parameters, rather than a cut URI.
    const readable = (value: string) => (/@sha256:[0-9a-f]+$/.test(value) ? describeImage(value) : shorten(value, maxLength));
    const line = (path: string, from: string, to: string): PropertyValue => ({ name: path, before: readable(from), after: readable(to), causesReplacement });
    if (isProperty && before && after) {
      const leaves = differingLeaves(name, before[name], after[name]);
      if (leaves.length > 0) {
        const shown = leaves.slice(0, MAX_LEAVES).map((l) => line(l.path, l.before, l.after));
        return leaves.length > MAX_LEAVES ? [...shown, line(`${name} (${leaves.length - MAX_LEAVES} more)`, "…", "…")] : shown;
      }
    }
    // The same text before and after: the value refers to something that changes (a replaced resource).
    const causes = details.map((d) => d.CausingEntity).filter((c): c is string => Boolean(c));
    const target = details[0]!.Target!;
    const from = target.BeforeValue ?? (isProperty && before ? showValue(before[name]) : "(not shown)");
    const to = target.AfterValue ?? (causes.length > 0 ? `(new value of ${[...new Set(causes)].join(", ")})` : "(not shown)");
    return [line(name, from, to)];
  });
}

interface Leaf {
  readonly path: string;
  readonly before: string;
  readonly after: string;
}

/** The leaves where two values differ, by path (`ContainerDefinitions[0].Image`); a value and a non-value are one leaf. */
function differingLeaves(path: string, a: Json | undefined, b: Json | undefined): Leaf[] {
  const isContainer = (v: Json | undefined): v is Json[] | { [k: string]: Json } => typeof v === "object" && v !== null;
  if (isContainer(a) && isContainer(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = Array.isArray(a) ? [...Array(Math.max(a.length, (b as Json[]).length)).keys()].map(String) : [...new Set([...Object.keys(a), ...Object.keys(b)])];
    const child = (v: Json[] | { [k: string]: Json }, k: string) => (Array.isArray(v) ? v[Number(k)] : v[k]);
    return keys.flatMap((k) => differingLeaves(Array.isArray(a) ? `${path}[${k}]` : `${path}.${k}`, child(a, k), child(b, k)));
  }
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  return [{ path, before: showValue(a), after: showValue(b) }];
}
