/**
 * A CloudFormation template linter driven by the official resource schema (see cfn-spec.ts).
 *
 * It reports, as one string per problem naming the stack, the logical id and the path:
 * - unknown resource types;
 * - unknown properties and values of the wrong shape, at any depth of nested property types;
 * - missing required properties, at any depth;
 * - Refs to anything but a parameter, a resource or a pseudo parameter;
 * - Fn::GetAtt on a missing resource or an attribute its type does not have;
 * - Fn::Sub variables (`${X}`, `${X.Attr}`) that resolve to nothing (`${!Literal}` is text);
 * - DependsOn targets and Condition names that do not exist;
 * - unknown intrinsic functions, unknown resource attributes (`Propertes`), malformed outputs.
 *
 * Values that are intrinsic functions are not checked for shape (their result is only known at
 * deploy time), except that both branches of Fn::If are. JSON-typed properties such as policy
 * documents are not descended for shape, but references inside them are still checked.
 */
import { allResourceTypes, resourceType, type PropertySpec, type ValueType } from "./cfn-spec.js";
// The pseudo parameters CloudFormation knows, shared with the fake cloud, which resolves them.
import { PSEUDO_PARAMETERS } from "./fake-cloud/template.js";

export interface LintOptions {
  /** Names the template in problems (e.g. the stack name). */
  stack?: string;
  /**
   * The parameter values the deployer will pass. When given, each must be declared by the template,
   * and every declared parameter without a Default must be among them.
   */
  parameters?: readonly string[];
}

const INTRINSICS = new Set([
  "Ref",
  "Fn::And",
  "Fn::Base64",
  "Fn::Cidr",
  "Fn::Equals",
  "Fn::FindInMap",
  "Fn::ForEach",
  "Fn::GetAtt",
  "Fn::GetAZs",
  "Fn::If",
  "Fn::ImportValue",
  "Fn::Join",
  "Fn::Length",
  "Fn::Not",
  "Fn::Or",
  "Fn::Select",
  "Fn::Split",
  "Fn::Sub",
  "Fn::ToJsonString",
  "Fn::Transform",
]);

const TEMPLATE_SECTIONS = new Set([
  "AWSTemplateFormatVersion",
  "Description",
  "Metadata",
  "Parameters",
  "Rules",
  "Mappings",
  "Conditions",
  "Transform",
  "Resources",
  "Outputs",
]);
const RESOURCE_ATTRIBUTES = new Set([
  "Type",
  "Properties",
  "DependsOn",
  "Condition",
  "DeletionPolicy",
  "UpdateReplacePolicy",
  "Metadata",
  "CreationPolicy",
  "UpdatePolicy",
]);
const DELETION_POLICIES = new Set(["Delete", "Retain", "Snapshot", "RetainExceptOnCreate"]);
const REPLACE_POLICIES = new Set(["Delete", "Retain", "Snapshot"]);
const OUTPUT_KEYS = new Set(["Value", "Description", "Export", "Condition"]);
const PARAMETER_TYPE = /^(String|Number|List<Number>|CommaDelimitedList|AWS::[A-Za-z0-9:]+|List<AWS::[A-Za-z0-9:]+>|AWS::SSM::Parameter::Value<.+>)$/;
const LOGICAL_ID = /^[A-Za-z0-9]+$/;
const LIMITS = { Resources: 500, Parameters: 200, Outputs: 200 } as const;

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** `{ Ref }` or `{ "Fn::…" }`: a value computed by CloudFormation. */
export function isIntrinsic(value: unknown): value is Obj {
  if (!isObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === "Ref" || keys[0]!.startsWith("Fn::"));
}

/** The `${…}` variables of an Fn::Sub string, without the `${!Literal}` escapes. */
export function subVariables(text: string): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(/\$\{([^}]*)\}/g)) {
    const name = match[1]!;
    if (!name.startsWith("!")) out.push(name);
  }
  return out;
}

export function lintTemplate(template: unknown, options: LintOptions = {}): string[] {
  return new Linter(template, options).run();
}

class Linter {
  private readonly problems: string[] = [];
  private readonly label: string;
  private readonly t: Obj;
  private readonly parameters: Set<string>;
  private readonly resources: Obj;
  private readonly conditions: Set<string>;
  private readonly mappings: Obj;

  constructor(template: unknown, private readonly options: LintOptions) {
    this.t = isObject(template) ? template : {};
    this.label = options.stack ?? "template";
    this.parameters = new Set([...Object.keys(isObject(this.t.Parameters) ? this.t.Parameters : {})]);
    this.resources = isObject(this.t.Resources) ? this.t.Resources : {};
    this.conditions = new Set(Object.keys(isObject(this.t.Conditions) ? this.t.Conditions : {}));
    this.mappings = isObject(this.t.Mappings) ? this.t.Mappings : {};
  }

  private report(where: string, path: string, message: string): void {
    this.problems.push(`${this.label} ${where}${path ? ` ${path}` : ""}: ${message}`);
  }

  run(): string[] {
    if (!isObject(this.t.Resources) || Object.keys(this.t.Resources).length === 0) {
      this.report("(template)", "Resources", "a template needs at least one resource");
    }
    for (const key of Object.keys(this.t)) {
      if (!TEMPLATE_SECTIONS.has(key)) this.report("(template)", key, "unknown template section");
    }
    if (this.t.AWSTemplateFormatVersion !== undefined && this.t.AWSTemplateFormatVersion !== "2010-09-09") {
      this.report("(template)", "AWSTemplateFormatVersion", `must be "2010-09-09"`);
    }
    for (const [section, limit] of Object.entries(LIMITS)) {
      const entries = this.t[section];
      if (isObject(entries) && Object.keys(entries).length > limit) {
        this.report("(template)", section, `${Object.keys(entries).length} entries; CloudFormation allows at most ${limit}`);
      }
    }
    this.lintParameters();
    this.lintConditions();
    for (const [id, resource] of Object.entries(this.resources)) this.lintResource(id, resource);
    this.lintOutputs();
    return this.problems;
  }

  private lintParameters(): void {
    const declared = isObject(this.t.Parameters) ? this.t.Parameters : {};
    for (const [name, parameter] of Object.entries(declared)) {
      if (!LOGICAL_ID.test(name)) this.report(`Parameters.${name}`, "", "logical ids must be alphanumeric");
      if (!isObject(parameter) || typeof parameter.Type !== "string" || !PARAMETER_TYPE.test(parameter.Type)) {
        this.report(`Parameters.${name}`, "Type", `not a CloudFormation parameter type: ${JSON.stringify(isObject(parameter) ? parameter.Type : parameter)}`);
      }
    }
    if (this.options.parameters) {
      const supplied = new Set(this.options.parameters);
      for (const name of supplied) {
        if (!(name in declared)) this.report(`Parameters.${name}`, "", "is supplied by the deployer but not declared by the template");
      }
      for (const [name, parameter] of Object.entries(declared)) {
        if (!supplied.has(name) && !(isObject(parameter) && parameter.Default !== undefined)) {
          this.report(`Parameters.${name}`, "", "has no Default and is not supplied by the deployer");
        }
      }
    }
  }

  private lintConditions(): void {
    const conditions = isObject(this.t.Conditions) ? this.t.Conditions : {};
    for (const [name, body] of Object.entries(conditions)) {
      if (!LOGICAL_ID.test(name)) this.report(`Conditions.${name}`, "", "logical ids must be alphanumeric");
      this.references(body, `Conditions.${name}`, "", true);
    }
  }

  private lintResource(id: string, resource: unknown): void {
    const where = id;
    if (!LOGICAL_ID.test(id)) this.report(where, "", "logical ids must be alphanumeric");
    if (!isObject(resource)) {
      this.report(where, "", "a resource must be an object");
      return;
    }
    for (const key of Object.keys(resource)) {
      if (!RESOURCE_ATTRIBUTES.has(key)) this.report(where, key, `unknown resource attribute (allowed: ${[...RESOURCE_ATTRIBUTES].join(", ")})`);
    }
    if (resource.DeletionPolicy !== undefined && !DELETION_POLICIES.has(resource.DeletionPolicy as string)) {
      this.report(where, "DeletionPolicy", `invalid value ${JSON.stringify(resource.DeletionPolicy)}`);
    }
    if (resource.UpdateReplacePolicy !== undefined && !REPLACE_POLICIES.has(resource.UpdateReplacePolicy as string)) {
      this.report(where, "UpdateReplacePolicy", `invalid value ${JSON.stringify(resource.UpdateReplacePolicy)}`);
    }
    if (resource.Condition !== undefined) this.conditionName(resource.Condition, where, "Condition");
    this.dependsOn(id, resource.DependsOn);
    if (resource.Properties !== undefined) {
      if (!isObject(resource.Properties)) this.report(where, "Properties", "must be an object");
      else this.references(resource.Properties, where, "Properties", false);
    }

    const type = resource.Type;
    if (typeof type !== "string") {
      this.report(where, "Type", "missing resource type");
      return;
    }
    if (type.startsWith("Custom::") || type === "AWS::CloudFormation::CustomResource") {
      if (!isObject(resource.Properties) || resource.Properties.ServiceToken === undefined) {
        this.report(where, "Properties", "a custom resource needs a ServiceToken");
      }
      return;
    }
    const spec = resourceType(type);
    if (!spec) {
      this.report(where, "Type", `unknown resource type ${type}${suggest(type, allResourceTypes())}`);
      return;
    }
    const properties: unknown = resource.Properties ?? {};
    if (!isObject(properties) || isIntrinsic(properties)) return; // a non-object is reported above
    for (const problem of checkObject(properties, type, spec.properties, "Properties")) this.problems.push(`${this.label} ${where} ${problem}`);
  }

  private dependsOn(id: string, dependsOn: unknown): void {
    if (dependsOn === undefined) return;
    const targets = Array.isArray(dependsOn) ? dependsOn : [dependsOn];
    for (const target of targets) {
      if (typeof target !== "string") this.report(id, "DependsOn", `expected a logical id, got ${JSON.stringify(target)}`);
      else if (target === id) this.report(id, "DependsOn", "a resource cannot depend on itself");
      else if (!(target in this.resources)) this.report(id, "DependsOn", `${target} is not a resource of this template`);
    }
  }

  private conditionName(name: unknown, where: string, path: string): void {
    if (typeof name !== "string" || !this.conditions.has(name)) {
      this.report(where, path, `condition ${JSON.stringify(name)} is not declared in Conditions`);
    }
  }

  private lintOutputs(): void {
    const outputs = this.t.Outputs;
    if (outputs === undefined) return;
    if (!isObject(outputs)) {
      this.report("Outputs", "", "must be an object");
      return;
    }
    const exportNames = new Map<string, string>();
    for (const [name, output] of Object.entries(outputs)) {
      const where = `Outputs.${name}`;
      if (!LOGICAL_ID.test(name)) this.report(where, "", "logical ids must be alphanumeric");
      if (!isObject(output)) {
        this.report(where, "", "an output must be an object");
        continue;
      }
      for (const key of Object.keys(output)) if (!OUTPUT_KEYS.has(key)) this.report(where, key, "unknown output key");
      if (output.Value === undefined || output.Value === null) this.report(where, "Value", "an output needs a Value");
      else this.references(output.Value, where, "Value", false);
      if (output.Condition !== undefined) this.conditionName(output.Condition, where, "Condition");
      if (output.Export !== undefined) {
        if (!isObject(output.Export) || output.Export.Name === undefined) this.report(where, "Export", "an export needs a Name");
        else {
          this.references(output.Export.Name, where, "Export.Name", false);
          if (typeof output.Export.Name === "string") {
            const other = exportNames.get(output.Export.Name);
            if (other) this.report(where, "Export.Name", `duplicates the export of Outputs.${other}`);
            exportNames.set(output.Export.Name, name);
          }
        }
      }
    }
  }

  /** Checks every Ref, GetAtt, Sub, If and condition reference inside a value. */
  private references(value: unknown, where: string, path: string, inConditions: boolean): void {
    if (Array.isArray(value)) {
      value.forEach((item, i) => this.references(item, where, `${path}[${i}]`, inConditions));
      return;
    }
    if (!isObject(value)) return;
    const keys = Object.keys(value);
    const fn = keys.length === 1 ? keys[0]! : undefined;
    if (fn !== undefined && (fn === "Ref" || fn.startsWith("Fn::"))) {
      this.intrinsic(fn, value[fn], where, path, inConditions);
      return;
    }
    if (inConditions && fn === "Condition") {
      this.conditionName(value.Condition, where, path);
      return;
    }
    for (const [key, inner] of Object.entries(value)) this.references(inner, where, path ? `${path}.${key}` : key, inConditions);
  }

  private intrinsic(fn: string, args: unknown, where: string, path: string, inConditions: boolean): void {
    const at = `${path}.${fn}`.replace(/^\./, "");
    if (!INTRINSICS.has(fn)) {
      this.report(where, at, `unknown intrinsic function ${fn}`);
      return;
    }
    switch (fn) {
      case "Ref":
        if (typeof args !== "string") this.report(where, at, `Ref needs a logical id, got ${JSON.stringify(args)}`);
        else this.refTarget(args, where, at, inConditions);
        return;
      case "Fn::GetAtt":
        this.getAtt(args, where, at);
        return;
      case "Fn::Sub":
        this.sub(args, where, at);
        return;
      case "Fn::If": {
        if (!Array.isArray(args) || args.length !== 3) {
          this.report(where, at, "Fn::If takes [condition, value if true, value if false]");
          return;
        }
        this.conditionName(args[0], where, at);
        this.references(args[1], where, `${at}[1]`, inConditions);
        this.references(args[2], where, `${at}[2]`, inConditions);
        return;
      }
      case "Fn::FindInMap":
        if (!Array.isArray(args) || args.length < 3) this.report(where, at, "Fn::FindInMap takes [map, top key, second key]");
        else if (typeof args[0] === "string" && !(args[0] in this.mappings)) this.report(where, at, `mapping ${args[0]} is not declared in Mappings`);
        this.references(args, where, at, inConditions);
        return;
      case "Fn::Join":
        if (!Array.isArray(args) || args.length !== 2 || typeof args[0] !== "string") this.report(where, at, "Fn::Join takes [separator, list]");
        this.references(args, where, at, inConditions);
        return;
      case "Fn::Select":
      case "Fn::Split":
      case "Fn::Equals":
        if (!Array.isArray(args) || args.length !== 2) this.report(where, at, `${fn} takes two arguments`);
        this.references(args, where, at, inConditions);
        return;
      case "Fn::And":
      case "Fn::Or":
      case "Fn::Not":
        this.references(args, where, at, true);
        return;
      default:
        this.references(args, where, at, inConditions);
    }
  }

  private refTarget(name: string, where: string, path: string, inConditions: boolean): void {
    if (PSEUDO_PARAMETERS.has(name) || this.parameters.has(name)) return;
    if (name in this.resources) {
      if (inConditions) this.report(where, path, `conditions may only Ref parameters, not resource ${name}`);
      return;
    }
    this.report(where, path, `Ref ${name}: not a parameter, resource or pseudo parameter of this template`);
  }

  private getAtt(args: unknown, where: string, path: string): void {
    let target: unknown;
    let attribute: unknown;
    if (typeof args === "string") {
      const dot = args.indexOf(".");
      if (dot < 0) {
        this.report(where, path, `Fn::GetAtt needs "Resource.Attribute", got ${JSON.stringify(args)}`);
        return;
      }
      target = args.slice(0, dot);
      attribute = args.slice(dot + 1);
    } else if (Array.isArray(args) && args.length === 2) {
      [target, attribute] = args;
    } else {
      this.report(where, path, `Fn::GetAtt takes [resource, attribute], got ${JSON.stringify(args)}`);
      return;
    }
    if (typeof target !== "string") {
      this.report(where, path, "Fn::GetAtt needs a literal logical id");
      return;
    }
    if (typeof attribute !== "string") {
      this.references(attribute, where, `${path}[1]`, false);
      this.attributeOf(target, undefined, where, path);
      return;
    }
    this.attributeOf(target, attribute, where, path);
  }

  /** The resource exists and (when the attribute is literal) its type has that attribute. */
  private attributeOf(target: string, attribute: string | undefined, where: string, path: string): void {
    const resource = this.resources[target];
    if (!isObject(resource)) {
      const what = this.parameters.has(target) ? "a parameter, which has no attributes" : "not a resource of this template";
      this.report(where, path, `Fn::GetAtt ${target}${attribute ? `.${attribute}` : ""}: ${target} is ${what}`);
      return;
    }
    if (attribute === undefined || typeof resource.Type !== "string") return;
    if (resource.Type.startsWith("Custom::") || resource.Type === "AWS::CloudFormation::CustomResource") return;
    const spec = resourceType(resource.Type);
    if (!spec) return; // reported on the resource itself
    if (!spec.attributes.includes(attribute)) {
      this.report(
        where,
        path,
        `Fn::GetAtt ${target}.${attribute}: ${resource.Type} has no attribute ${attribute} (it has: ${spec.attributes.join(", ") || "none"})`,
      );
    }
  }

  private sub(args: unknown, where: string, path: string): void {
    let text: unknown;
    let variables: Obj = {};
    if (typeof args === "string") text = args;
    else if (Array.isArray(args) && args.length === 2 && isObject(args[1])) {
      [text, variables] = args as [unknown, Obj];
      this.references(variables, where, `${path}[1]`, false);
    } else {
      this.report(where, path, "Fn::Sub takes a string or [string, { variables }]");
      return;
    }
    if (typeof text !== "string") {
      this.report(where, path, "the Fn::Sub template must be a literal string");
      return;
    }
    for (const variable of subVariables(text)) {
      if (variable in variables) continue;
      if (PSEUDO_PARAMETERS.has(variable) || this.parameters.has(variable) || variable in this.resources) continue;
      const dot = variable.indexOf(".");
      if (dot > 0) {
        this.attributeOf(variable.slice(0, dot), variable.slice(dot + 1), where, `${path} \${${variable}}`);
        continue;
      }
      this.report(where, path, `Fn::Sub variable \${${variable}} is not a parameter, resource, pseudo parameter or Sub variable`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Shape checks against the spec: property names, required properties and value shapes.

function checkObject(value: Obj, typeName: string, properties: Readonly<Record<string, PropertySpec>>, path: string): string[] {
  const problems: string[] = [];
  const names = Object.keys(properties);
  for (const [key, inner] of Object.entries(value)) {
    const property = properties[key];
    if (!property) {
      problems.push(`${path}.${key}: unknown property of ${typeName}${suggest(key, names)}`);
      continue;
    }
    problems.push(...checkValue(inner, property.types, `${path}.${key}`));
  }
  for (const property of Object.values(properties)) {
    if (property.required && !(property.name in value)) problems.push(`${path}: missing required property ${property.name} of ${typeName}`);
  }
  return problems;
}

function flatten(types: readonly ValueType[]): ValueType[] {
  return types.flatMap((t) => (t.kind === "union" ? flatten(t.types) : [t]));
}

/** Problems of a value against the types it may have; a value matching any one type has none. */
function checkValue(value: unknown, types: readonly ValueType[], path: string): string[] {
  if (isIntrinsic(value)) {
    const ifArgs = value["Fn::If"];
    if (Array.isArray(ifArgs) && ifArgs.length === 3) {
      return [...checkValue(ifArgs[1], types, `${path}.Fn::If[1]`), ...checkValue(ifArgs[2], types, `${path}.Fn::If[2]`)];
    }
    return [];
  }
  const alternatives = flatten(types);
  if (alternatives.some((t) => t.kind === "json")) return [];
  // Report against the types of the value's own shape (an object against the object types of a
  // string-or-object union), so a misspelt nested property is named rather than "expected a string".
  const sameShape = alternatives.filter((t) => typeShape(t) === valueShape(value));
  let best: string[] | undefined;
  for (const type of sameShape.length > 0 ? sameShape : alternatives) {
    const problems = checkOne(value, type, path);
    if (problems.length === 0) return [];
    if (!best || problems.length < best.length) best = problems;
  }
  return best ?? [];
}

/** "object", "list" or "scalar": the JSON shape of a value. */
function valueShape(value: unknown): string {
  return Array.isArray(value) ? "list" : isObject(value) ? "object" : "scalar";
}

/** The JSON shape of the values a type accepts. */
function typeShape(type: ValueType): string {
  return type.kind === "object" || type.kind === "map" || type.kind === "tag" ? "object" : type.kind === "array" ? "list" : "scalar";
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${JSON.stringify(value)}`;
}

function checkOne(value: unknown, type: ValueType, path: string): string[] {
  const expected = (what: string) => [`${path}: expected ${what}, got ${describe(value)}`];
  switch (type.kind) {
    case "string":
    case "date-time":
      return ["string", "number", "boolean"].includes(typeof value) ? [] : expected("a string");
    case "number":
    case "integer":
      if (typeof value === "number") return type.kind === "integer" && !Number.isInteger(value) ? expected("an integer") : [];
      return typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value)) ? [] : expected(`a ${type.kind}`);
    case "boolean":
      return typeof value === "boolean" || value === "true" || value === "false" ? [] : expected("a boolean");
    case "null":
      return value === null ? [] : expected("null");
    case "json":
      return [];
    case "tag": {
      if (!isObject(value)) return expected("a { Key, Value } tag");
      const problems: string[] = [];
      for (const key of Object.keys(value)) if (key !== "Key" && key !== "Value") problems.push(`${path}.${key}: unknown property of Tag (Key, Value)`);
      for (const key of ["Key", "Value"]) {
        if (!(key in value)) problems.push(`${path}: missing required property ${key} of Tag`);
        else problems.push(...checkValue(value[key], [{ kind: "string" }], `${path}.${key}`));
      }
      return problems;
    }
    case "array":
      if (!Array.isArray(value)) return expected("a list");
      return value.flatMap((item, i) => checkValue(item, [type.element], `${path}[${i}]`));
    case "map":
      if (!isObject(value)) return expected("a map");
      return Object.entries(value).flatMap(([key, inner]) => checkValue(inner, [type.element], `${path}.${key}`));
    case "object":
      if (!isObject(value)) return expected(`an object (${type.name})`);
      return checkObject(value, type.name, type.properties, path);
    case "union":
      return checkValue(value, type.types, path);
  }
}

/** ` (did you mean X?)` for a near miss, or the known names when there are few. */
function suggest(name: string, known: readonly string[]): string {
  const lower = name.toLowerCase();
  const close = known.filter((k) => k.toLowerCase() === lower || distance(k.toLowerCase(), lower) <= Math.max(1, Math.floor(name.length / 5)));
  if (close.length > 0) return ` (did you mean ${close.slice(0, 3).join(" or ")}?)`;
  if (known.length <= 12) return ` (known: ${known.join(", ")})`;
  return "";
}

function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
