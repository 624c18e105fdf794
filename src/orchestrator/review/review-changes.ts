/**
 * A change set's changes as rows a person reads: what happens to each resource, whether it is
 * replaced and which properties cause it, and whether data is at stake.
 */
import type { Change, ResourceChangeDetail } from "@aws-sdk/client-cloudformation";
import type { Template } from "../../templates/cfn.js";
import type { StackDefinition } from "../../templates/stack.js";
import { isStatefulResource } from "../protection.js";
import { isRetainPolicy } from "../teardown/teardown-plan.js";
import { propertyValues, type PropertyValue } from "./review-values.js";

export interface ResourceChangeRow {
  readonly action: string;
  readonly logicalId: string;
  readonly physicalId?: string;
  readonly type: string;
  /** True / Conditional / False for a Modify; empty for Add and Remove. */
  readonly replacement: string;
  /** Properties that cause the replacement; for an in-place Modify, the properties that change. */
  readonly properties: string[];
  readonly stateful: boolean;
  /** A stateful resource replaced (maybe) or removed: its data is lost or left behind. */
  readonly dangerous: boolean;
  /** Whether CloudFormation keeps the old resource (Retain) when it replaces or removes it. */
  readonly retained: boolean;
  /** For a Modify: each changed property, before → after (review-values.ts). */
  readonly values: PropertyValue[];
}

export interface ChangeContext {
  readonly definition: StackDefinition;
  readonly desired: Template;
  /** The deployed template: removed resources carry their DeletionPolicy only there. */
  readonly deployed?: Template;
}

export function changeRows(changes: readonly Change[], context: ChangeContext): ResourceChangeRow[] {
  return changes.flatMap((change) => {
    const rc = change.ResourceChange;
    if (!rc) return [];
    const logicalId = rc.LogicalResourceId ?? "?";
    const type = rc.ResourceType ?? "?";
    const action = rc.Action ?? "?";
    const replacement = action === "Modify" ? (rc.Replacement ?? "False") : "";
    const stateful = isStatefulResource(context.definition, logicalId, type);
    const losesOld = action === "Remove" || replacement === "True" || replacement === "Conditional";
    return [
      {
        action,
        logicalId,
        physicalId: rc.PhysicalResourceId,
        type,
        replacement,
        properties: propertiesOf(rc.Details ?? [], replacement),
        stateful,
        dangerous: stateful && losesOld,
        retained: isRetained(logicalId, action, context),
        values: propertyValues(rc),
      },
    ];
  });
}

function propertiesOf(details: readonly ResourceChangeDetail[], replacement: string): string[] {
  const replacing = replacement === "True" || replacement === "Conditional";
  const relevant = details.filter((d) => !replacing || d.Target?.RequiresRecreation === "Always" || d.Target?.RequiresRecreation === "Conditionally");
  const names = relevant.map((d) => d.Target?.Name ?? d.Target?.Attribute ?? "").filter(Boolean);
  return [...new Set(names)];
}

function isRetained(logicalId: string, action: string, context: ChangeContext): boolean {
  if (action === "Remove") return isRetainPolicy(context.deployed?.Resources[logicalId]?.DeletionPolicy);
  return isRetainPolicy(context.desired.Resources[logicalId]?.UpdateReplacePolicy);
}

/** One sentence per stateful resource at risk, for the closing warning. */
export function dangerWarnings(stack: string, rows: readonly ResourceChangeRow[]): string[] {
  return rows
    .filter((row) => row.dangerous)
    .map((row) => {
      const what = row.action === "Remove" ? "is REMOVED" : row.replacement === "True" ? "is REPLACED" : "MAY BE REPLACED";
      const because = row.properties.length > 0 && row.action !== "Remove" ? ` (because of ${row.properties.join(", ")})` : "";
      const fate = row.retained
        ? "the old one is retained and stays behind, outside the stack"
        : "the old one and its data are DELETED";
      return `${stack}: ${row.logicalId} (${row.type}) ${what}${because}: ${fate}`;
    });
}
