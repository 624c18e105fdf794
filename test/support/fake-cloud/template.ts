/**
 * Just enough of CloudFormation's template handling to behave like the service at its edges:
 * parsing (JSON, or YAML with short-form tags), the synchronous validation errors
 * CreateChangeSet raises, and parameter binding. Evaluation lives in evaluator.ts.
 */
import yaml from "js-yaml";

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface TemplateResource {
  Type: string;
  Properties?: JsonObject;
  DependsOn?: string | string[];
  Condition?: string;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Metadata?: Json;
  CreationPolicy?: Json;
  UpdatePolicy?: Json;
}

export interface TemplateParameter {
  Type: string;
  Default?: string | number;
  AllowedPattern?: string;
  AllowedValues?: (string | number)[];
  Description?: string;
  NoEcho?: boolean | string;
}

export interface TemplateOutput {
  Value: Json;
  Description?: string;
  Export?: { Name: Json };
  Condition?: string;
}

export interface ParsedTemplate {
  Description?: string;
  Parameters: Record<string, TemplateParameter>;
  Conditions: Record<string, Json>;
  Mappings: Record<string, JsonObject>;
  Resources: Record<string, TemplateResource>;
  Outputs: Record<string, TemplateOutput>;
}

/** A problem CloudFormation reports as a ValidationError; the service layer wraps it. */
export class TemplateProblem extends Error {}

export const PSEUDO_PARAMETERS = new Set([
  "AWS::AccountId",
  "AWS::NotificationARNs",
  "AWS::NoValue",
  "AWS::Partition",
  "AWS::Region",
  "AWS::StackId",
  "AWS::StackName",
  "AWS::URLSuffix",
]);

const SHORT_FORMS = ["Ref", "Condition", "GetAtt", "Join", "Sub", "Select", "Split", "GetAZs", "If", "Equals", "Not", "And", "Or", "Base64", "FindInMap", "ImportValue", "Cidr", "Length", "ToJsonString"];
const CFN_YAML_SCHEMA = yaml.DEFAULT_SCHEMA.extend(
  SHORT_FORMS.flatMap((name) =>
    (["scalar", "sequence", "mapping"] as const).map(
      (kind) =>
        new yaml.Type(`!${name}`, {
          kind,
          construct: (data: unknown) => {
            const key = name === "Ref" || name === "Condition" ? name : `Fn::${name}`;
            if (name === "GetAtt" && typeof data === "string") {
              const dot = data.indexOf(".");
              return { [key]: [data.slice(0, dot), data.slice(dot + 1)] };
            }
            return { [key]: data ?? "" };
          },
        }),
    ),
  ),
);

export function parseTemplate(body: string): ParsedTemplate {
  let raw: unknown;
  if (body.trimStart().startsWith("{")) {
    try {
      raw = JSON.parse(body);
    } catch {
      throw new TemplateProblem("Template format error: JSON not well-formed.");
    }
  } else {
    try {
      raw = yaml.load(body, { schema: CFN_YAML_SCHEMA });
    } catch {
      throw new TemplateProblem("Template format error: YAML not well-formed.");
    }
  }
  if (!isObject(raw)) throw new TemplateProblem("Template format error: unsupported structure.");
  const resources = raw["Resources"];
  if (!isObject(resources) || Object.keys(resources).length === 0) {
    throw new TemplateProblem("Template format error: At least one Resources member must be defined.");
  }
  for (const [id, resource] of Object.entries(resources)) {
    if (!isObject(resource) || typeof resource["Type"] !== "string") {
      throw new TemplateProblem(`Template format error: [/Resources/${id}] Every Resources object must contain a Type member.`);
    }
  }
  const outputs = isObject(raw["Outputs"]) ? raw["Outputs"] : {};
  for (const [id, output] of Object.entries(outputs)) {
    if (!isObject(output) || output["Value"] === undefined) {
      throw new TemplateProblem(`Template format error: [/Outputs/${id}] Every Outputs member must contain a Value object.`);
    }
  }
  const template: ParsedTemplate = {
    ...(typeof raw["Description"] === "string" ? { Description: raw["Description"] } : {}),
    Parameters: (isObject(raw["Parameters"]) ? raw["Parameters"] : {}) as unknown as Record<string, TemplateParameter>,
    Conditions: (isObject(raw["Conditions"]) ? raw["Conditions"] : {}) as Record<string, Json>,
    Mappings: (isObject(raw["Mappings"]) ? raw["Mappings"] : {}) as Record<string, JsonObject>,
    Resources: resources as unknown as Record<string, TemplateResource>,
    Outputs: outputs as unknown as Record<string, TemplateOutput>,
  };
  checkReferences(template);
  return template;
}

export function isObject(value: unknown): value is Record<string, Json> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

interface References {
  /** Names used with Ref or ${Name}: parameters, resources or pseudo parameters. */
  refs: Set<string>;
  /** Logical ids used with Fn::GetAtt or ${Id.Attribute}. */
  attributes: Set<string>;
}

/** Every name a piece of template refers to. */
export function referencesIn(value: Json | undefined, found: References = { refs: new Set(), attributes: new Set() }): References {
  if (Array.isArray(value)) {
    for (const item of value) referencesIn(item, found);
  } else if (isObject(value)) {
    const entries = Object.entries(value);
    const [key, arg] = entries.length === 1 ? entries[0]! : [undefined, undefined];
    if (key === "Ref" && typeof arg === "string") {
      found.refs.add(arg);
    } else if (key === "Fn::GetAtt") {
      const target = Array.isArray(arg) ? arg[0] : typeof arg === "string" ? arg.split(".")[0] : undefined;
      if (typeof target === "string") found.attributes.add(target);
      if (Array.isArray(arg)) referencesIn(arg.slice(1), found);
    } else if (key === "Fn::Sub") {
      const [text, variables] = Array.isArray(arg) ? [arg[0], arg[1]] : [arg, undefined];
      const local = new Set(isObject(variables) ? Object.keys(variables) : []);
      if (typeof text === "string") {
        for (const name of subVariables(text)) {
          if (local.has(name)) continue;
          const dot = name.indexOf(".");
          if (dot > 0) found.attributes.add(name.slice(0, dot));
          else found.refs.add(name);
        }
      }
      if (variables !== undefined) referencesIn(variables, found);
    } else {
      for (const [, nested] of entries) referencesIn(nested, found);
    }
  }
  return found;
}

/**
 * `value` with the stack's parameters put in: `{ Ref: P }` becomes P's value, and `${P}` in an Fn::Sub string
 * (not shadowed by the Sub's own variables) becomes it too. Resources and attributes stay as written. What a
 * template resolves to does not depend on its parameters' names: CloudFormation compares these values.
 */
export function withParameterValues(value: Json, parameters: Readonly<Record<string, string>>): Json {
  if (Array.isArray(value)) return value.map((item) => withParameterValues(item, parameters));
  if (!isObject(value)) return value;
  const entries = Object.entries(value);
  const [key, arg] = entries.length === 1 ? entries[0]! : [undefined, undefined];
  if (key === "Ref" && typeof arg === "string" && parameters[arg] !== undefined) return parameters[arg];
  if (key === "Fn::Sub") {
    const [text, variables] = Array.isArray(arg) ? [arg[0], arg[1]] : [arg, undefined];
    const local = new Set(isObject(variables) ? Object.keys(variables) : []);
    const put = typeof text === "string"
      ? text.replace(/\$\{([^}!][^}]*)\}/g, (whole, name: string) => (!local.has(name.trim()) && parameters[name.trim()] !== undefined ? parameters[name.trim()]! : whole))
      : text;
    return { "Fn::Sub": Array.isArray(arg) ? [put as Json, withParameterValues(variables as Json, parameters)] : (put as Json) };
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, withParameterValues(v, parameters)]));
}

function subVariables(text: string): string[] {
  return [...text.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]!.trim()).filter((name) => !name.startsWith("!"));
}

function checkReferences(template: ParsedTemplate): void {
  const resources = new Set(Object.keys(template.Resources));
  const known = (name: string) => resources.has(name) || name in template.Parameters || PSEUDO_PARAMETERS.has(name);
  const unresolved = (value: Json | undefined, dependsOn: string[] = []) => {
    const found = referencesIn(value);
    return [...new Set([...[...found.refs].filter((n) => !known(n)), ...[...found.attributes, ...dependsOn].filter((n) => !resources.has(n))])];
  };
  const inResources = Object.values(template.Resources).flatMap((r) =>
    unresolved(r.Properties ?? null, r.DependsOn === undefined ? [] : ([] as string[]).concat(r.DependsOn)),
  );
  if (inResources.length > 0) {
    throw new TemplateProblem(`Template format error: Unresolved resource dependencies [${[...new Set(inResources)].join(", ")}] in the Resources block of the template`);
  }
  const inOutputs = Object.values(template.Outputs).flatMap((o) => unresolved([o.Value, o.Export?.Name ?? null]));
  if (inOutputs.length > 0) {
    throw new TemplateProblem(`Template format error: Unresolved resource dependencies [${[...new Set(inOutputs)].join(", ")}] in the Outputs block of the template`);
  }
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Condition !== undefined && !(resource.Condition in template.Conditions)) {
      throw new TemplateProblem(`Template error: resource ${id} refers to undefined condition ${resource.Condition}`);
    }
  }
}

export interface ParameterInput {
  ParameterKey?: string | undefined;
  ParameterValue?: string | undefined;
  UsePreviousValue?: boolean | undefined;
}

/** Binds given parameters to the template the way CreateChangeSet does, with its error messages. */
export function bindParameters(template: ParsedTemplate, given: ParameterInput[] = [], previous: Record<string, string> = {}): Record<string, string> {
  const declared = template.Parameters;
  const unknown = given.map((p) => p.ParameterKey ?? "").filter((key) => !(key in declared));
  if (unknown.length > 0) throw new TemplateProblem(`Parameters: [${unknown.join(", ")}] do not exist in the template`);

  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const [key, definition] of Object.entries(declared)) {
    const input = given.find((p) => p.ParameterKey === key);
    if (input?.UsePreviousValue) {
      if (!(key in previous)) throw new TemplateProblem(`Invalid input for parameter key ${key}. Cannot specify usePreviousValue as true for a parameter key not in the previous template`);
      values[key] = previous[key]!;
    } else if (input?.ParameterValue !== undefined) {
      values[key] = input.ParameterValue;
    } else if (definition.Default !== undefined) {
      values[key] = String(definition.Default);
    } else {
      missing.push(key);
    }
  }
  if (missing.length > 0) throw new TemplateProblem(`Parameters: [${missing.join(", ")}] must have values`);

  for (const [key, definition] of Object.entries(declared)) {
    const value = values[key]!;
    if (definition.AllowedValues && !definition.AllowedValues.map(String).includes(value)) {
      throw new TemplateProblem(`Parameter '${key}' must be one of AllowedValues`);
    }
    if (definition.AllowedPattern && !new RegExp(`^(?:${definition.AllowedPattern})$`).test(value)) {
      throw new TemplateProblem(`Parameter '${key}' must match pattern ${definition.AllowedPattern}`);
    }
  }
  return values;
}

/** Structural equality for JSON values (key order does not matter, as in CloudFormation's diff). */
export function sameJson(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  }
  if (typeof a === "object" && typeof b === "object") {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((key) => sameJson(a[key], b[key]));
  }
  return false;
}
