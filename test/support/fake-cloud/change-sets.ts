/**
 * The change-set diff: what CloudFormation would report between a stack as deployed and a
 * submitted template + parameters + tags. The same plan then drives ExecuteChangeSet, so what
 * a change set says and what executing it does cannot disagree.
 */
import type { Change, ResourceChangeDetail } from "@aws-sdk/client-cloudformation";
import { requiresReplacement } from "./resource-types.js";
import { referencesIn, sameJson, withParameterValues, type Json, type ParsedTemplate, type TemplateResource } from "./template.js";

export interface DesiredStack {
  templateBody: string;
  template: ParsedTemplate;
  parameters: Record<string, string>;
  tags: Record<string, string>;
  capabilities: string[];
}

export interface PlannedChange {
  action: "Add" | "Modify" | "Remove";
  logicalId: string;
  type: string;
  /** Whether executing this change creates a new physical resource. */
  replace: boolean;
  sdk: Change;
  /** BeforeContext / AfterContext, returned when the change set was created with IncludePropertyValues. */
  contexts: { before?: string; after?: string };
}

export interface Side {
  desired: DesiredStack;
  /** Logical ids whose Condition holds, in template order. */
  active: string[];
}

export const NO_CHANGES_REASON = "The submitted information didn't contain changes. Submit different information to create a change set.";

const POLICY_ATTRIBUTES = ["DeletionPolicy", "UpdateReplacePolicy", "Metadata", "CreationPolicy", "UpdatePolicy"] as const;

export function planChanges(
  before: (Side & { physicalIds: Map<string, string> }) | undefined,
  after: Side,
): { changes: PlannedChange[]; hasChanges: boolean } {
  const oldResources = before ? pick(before.desired.template, before.active) : new Map<string, TemplateResource>();
  const newResources = pick(after.desired.template, after.active);
  // A parameter counts as changed when the stack had it with another value. One added or removed (renamed)
  // matters only through what refers to it, which the resolved comparisons below see.
  const changedParameters = new Set(
    Object.keys(after.desired.parameters).filter((k) => before !== undefined && k in before.desired.parameters && before.desired.parameters[k] !== after.desired.parameters[k]),
  );
  const tagsChanged = before !== undefined && !sameJson(before.desired.tags, after.desired.tags);

  const modifications = new Map<string, { details: ResourceChangeDetail[]; typeChanged: boolean }>();
  for (const [id, next] of newResources) {
    const previous = oldResources.get(id);
    if (!previous) continue;
    const details = [...staticDetails(previous, next, before!.desired.parameters, after.desired.parameters), ...dynamicDetails(next, changedParameters, "ParameterReference")];
    if (tagsChanged) details.push({ Target: { Attribute: "Tags", RequiresRecreation: "Never" }, Evaluation: "Static", ChangeSource: "DirectModification" });
    modifications.set(id, { details, typeChanged: previous.Type !== next.Type });
  }
  // A replaced resource gets a new physical id, which changes every property referring to it.
  const replaced = new Set<string>();
  for (let changed = true; changed; ) {
    changed = false;
    for (const [id, m] of modifications) {
      if (replaced.has(id) || !(m.typeChanged || m.details.some(recreates))) continue;
      replaced.add(id);
      changed = true;
      for (const [otherId, other] of modifications) {
        if (otherId !== id) other.details.push(...dynamicDetails(newResources.get(otherId)!, new Set([id]), "ResourceReference"));
      }
    }
  }

  const changes: PlannedChange[] = [];
  for (const [id, next] of newResources) {
    const previous = oldResources.get(id);
    if (!previous) {
      changes.push({ ...planned("Add", id, next.Type, false, { Scope: [], Details: [] }), contexts: { after: context(next, after.desired.parameters) } });
      continue;
    }
    const m = modifications.get(id)!;
    if (m.details.length === 0 && !m.typeChanged) continue;
    const replace = replaced.has(id);
    const replacement = m.typeChanged || m.details.some((d) => d.Evaluation === "Static" && recreates(d)) ? "True" : replace ? "Conditional" : "False";
    changes.push({
      contexts: { before: context(previous, before!.desired.parameters), after: context(next, after.desired.parameters) },
      ...planned("Modify", id, next.Type, replace, {
        PhysicalResourceId: before?.physicalIds.get(id),
        Replacement: replacement,
        Scope: [...new Set(m.details.map((d) => d.Target!.Attribute!))],
        Details: m.details,
        ...(replace ? { PolicyAction: next.UpdateReplacePolicy === "Retain" ? "ReplaceAndRetain" : "ReplaceAndDelete" } : {}),
      }),
    });
  }
  for (const [id, previous] of oldResources) {
    if (newResources.has(id)) continue;
    changes.push({
      contexts: { before: context(previous, before!.desired.parameters) },
      ...planned("Remove", id, previous.Type, false, {
        PhysicalResourceId: before?.physicalIds.get(id),
        Scope: [],
        Details: [],
        PolicyAction: previous.DeletionPolicy === "Retain" || previous.DeletionPolicy === "RetainExceptOnCreate" ? "Retain" : "Delete",
      }),
    });
  }

  const outputsChanged = before !== undefined && !sameJson(resolvedOutputs(before), resolvedOutputs(after));
  return { changes, hasChanges: changes.length > 0 || outputsChanged || changedParameters.size > 0 || tagsChanged };
}

function pick(template: ParsedTemplate, active: string[]): Map<string, TemplateResource> {
  return new Map(active.map((id) => [id, template.Resources[id]!]));
}

function resolvedOutputs(side: Side): Json {
  return withParameterValues(side.desired.template.Outputs as unknown as Json, side.desired.parameters);
}

function recreates(detail: ResourceChangeDetail): boolean {
  return detail.Target?.RequiresRecreation === "Always";
}

/**
 * Properties edited in the template. An edit that resolves to the same value (a Ref to a renamed parameter
 * holding the same value) is none: CloudFormation compares values, not how the template spells them.
 */
function staticDetails(previous: TemplateResource, next: TemplateResource, oldParameters: Record<string, string>, newParameters: Record<string, string>): ResourceChangeDetail[] {
  const details: ResourceChangeDetail[] = [];
  const oldProps = previous.Properties ?? {};
  const newProps = next.Properties ?? {};
  const sameValue = (name: string) =>
    oldProps[name] !== undefined && newProps[name] !== undefined && sameJson(withParameterValues(oldProps[name], oldParameters), withParameterValues(newProps[name], newParameters));
  for (const name of new Set([...Object.keys(oldProps), ...Object.keys(newProps)])) {
    if (sameJson(oldProps[name], newProps[name]) || sameValue(name)) continue;
    details.push({
      Target: {
        Attribute: "Properties",
        Name: name,
        RequiresRecreation: requiresReplacement(next.Type, name) ? "Always" : "Never",
        Path: `/Properties/${name}`,
        AttributeChangeType: oldProps[name] === undefined ? "Add" : newProps[name] === undefined ? "Remove" : "Modify",
        ...(oldProps[name] !== undefined ? { BeforeValue: show(oldProps[name]) } : {}),
        ...(newProps[name] !== undefined ? { AfterValue: show(newProps[name]) } : {}),
      },
      Evaluation: "Static",
      ChangeSource: "DirectModification",
    });
  }
  for (const attribute of POLICY_ATTRIBUTES) {
    if (sameJson(previous[attribute], next[attribute])) continue;
    details.push({ Target: { Attribute: attribute, RequiresRecreation: "Never" }, Evaluation: "Static", ChangeSource: "DirectModification" });
  }
  return details;
}

/** Properties that refer to something whose value changes (a parameter, a replaced resource). */
function dynamicDetails(resource: TemplateResource, causes: Set<string>, source: "ParameterReference" | "ResourceReference"): ResourceChangeDetail[] {
  if (causes.size === 0) return [];
  const details: ResourceChangeDetail[] = [];
  for (const [name, value] of Object.entries(resource.Properties ?? {})) {
    const found = referencesIn(value);
    const names = source === "ParameterReference" ? [...found.refs] : [...found.refs, ...found.attributes];
    for (const cause of new Set(names.filter((n) => causes.has(n)))) {
      details.push({
        Target: { Attribute: "Properties", Name: name, RequiresRecreation: requiresReplacement(resource.Type, name) ? "Always" : "Never" },
        Evaluation: "Dynamic",
        ChangeSource: found.attributes.has(cause) && !found.refs.has(cause) ? "ResourceAttribute" : source,
        CausingEntity: cause,
      });
    }
  }
  return details;
}

function show(value: Json | undefined): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** A resource's context as the API encodes it: its properties, with the stack's parameter values put in. */
function context(resource: TemplateResource, parameters: Record<string, string>): string {
  return JSON.stringify({ Properties: withParameterValues((resource.Properties ?? {}) as Json, parameters) });
}

function planned(action: PlannedChange["action"], logicalId: string, type: string, replace: boolean, extra: Record<string, unknown>): Omit<PlannedChange, "contexts"> {
  return {
    action,
    logicalId,
    type,
    replace,
    sdk: { Type: "Resource", ResourceChange: { Action: action, LogicalResourceId: logicalId, ResourceType: type, ...extra } },
  };
}
