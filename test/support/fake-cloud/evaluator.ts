/**
 * A small evaluator of CloudFormation intrinsic functions, for Outputs, conditions and resource
 * names. It answers the questions the fake needs ("what is this output's value?"), not every
 * corner of the language: unknown functions evaluate to a recognisable placeholder.
 */
import { isObject, PSEUDO_PARAMETERS, TemplateProblem, type Json, type JsonObject, type ParsedTemplate } from "./template.js";

/** What the evaluator needs from the stack it evaluates in. */
export interface EvaluationScope {
  parameters: Record<string, string>;
  template: ParsedTemplate;
  region: string;
  account: string;
  stackName: string;
  stackId: string;
  /** Physical id of a resource (its Ref value). */
  ref(logicalId: string): string;
  getAtt(logicalId: string, attribute: string): string;
  importValue(exportName: string): string;
}

/** AWS::NoValue: the property or list item disappears. */
const NO_VALUE = Symbol("AWS::NoValue");
type Value = Json | typeof NO_VALUE;

export class Evaluator {
  private readonly conditionCache = new Map<string, boolean>();

  constructor(private readonly scope: EvaluationScope) {}

  /** Whether a named condition holds (conditions only see parameters and pseudo parameters). */
  condition(name: string): boolean {
    const cached = this.conditionCache.get(name);
    if (cached !== undefined) return cached;
    const definition = this.scope.template.Conditions[name];
    if (definition === undefined) throw new TemplateProblem(`Template format error: Unresolved condition dependency ${name}`);
    const result = this.truthy(definition);
    this.conditionCache.set(name, result);
    return result;
  }

  /** Logical ids of the resources that exist under the current parameters, in template order. */
  activeResources(): string[] {
    return Object.entries(this.scope.template.Resources)
      .filter(([, r]) => r.Condition === undefined || this.condition(r.Condition))
      .map(([id]) => id);
  }

  /** Evaluated output values (only those whose condition holds), in template order. */
  outputs(): { key: string; value: string; description?: string; exportName?: string }[] {
    return Object.entries(this.scope.template.Outputs)
      .filter(([, o]) => o.Condition === undefined || this.condition(o.Condition))
      .map(([key, o]) => ({
        key,
        value: this.string(o.Value),
        ...(o.Description !== undefined ? { description: o.Description } : {}),
        ...(o.Export ? { exportName: this.string(o.Export.Name) } : {}),
      }));
  }

  string(value: Json): string {
    return stringify(this.evaluate(value));
  }

  /** Evaluates intrinsic functions; `undefined` where the value is AWS::NoValue. */
  value(value: Json): Json | undefined {
    const result = this.evaluate(value);
    return result === NO_VALUE ? undefined : result;
  }

  private truthy(value: Json): boolean {
    const result = this.evaluate(value);
    return result === true || result === "true";
  }

  private evaluate(value: Json): Value {
    if (Array.isArray(value)) {
      return value.map((v) => this.evaluate(v)).filter((v): v is Json => v !== NO_VALUE);
    }
    if (!isObject(value)) return value;
    const entries = Object.entries(value);
    if (entries.length === 1) {
      const [key, arg] = entries[0]!;
      const fn = this.intrinsic(key, arg);
      if (fn !== undefined) return fn;
    }
    const out: JsonObject = {};
    for (const [key, nested] of entries) {
      const evaluated = this.evaluate(nested);
      if (evaluated !== NO_VALUE) out[key] = evaluated;
    }
    return out;
  }

  /** `undefined` when `key` is not an intrinsic function. */
  private intrinsic(key: string, arg: Json): Value | undefined {
    const s = this.scope;
    switch (key) {
      case "Ref":
        return this.ref(String(arg));
      case "Condition":
        return this.condition(String(arg));
      case "Fn::GetAtt": {
        const [id, attribute] = Array.isArray(arg) ? [String(arg[0]), stringify(this.evaluate(arg[1] ?? ""))] : splitOnce(String(arg));
        return s.getAtt(id, attribute);
      }
      case "Fn::Join": {
        const [separator, parts] = asArray(arg);
        const list = this.evaluate(parts ?? []);
        return (Array.isArray(list) ? list : [list as Json]).map(stringify).join(String(separator ?? ""));
      }
      case "Fn::Sub":
        return this.sub(arg);
      case "Fn::Select": {
        const [index, list] = asArray(arg);
        const items = this.evaluate(list ?? []);
        const picked = Array.isArray(items) ? items[Number(stringify(this.evaluate(index ?? 0)))] : undefined;
        return picked ?? "";
      }
      case "Fn::Split": {
        const [separator, text] = asArray(arg);
        return stringify(this.evaluate(text ?? "")).split(String(separator ?? ","));
      }
      case "Fn::GetAZs":
        return ["a", "b", "c"].map((suffix) => `${s.region}${suffix}`);
      case "Fn::If": {
        const [condition, whenTrue, whenFalse] = asArray(arg);
        return this.evaluate((this.condition(String(condition)) ? whenTrue : whenFalse) ?? null);
      }
      case "Fn::Equals": {
        const [a, b] = asArray(arg);
        return stringify(this.evaluate(a ?? "")) === stringify(this.evaluate(b ?? ""));
      }
      case "Fn::Not":
        return !this.truthy(asArray(arg)[0] ?? false);
      case "Fn::And":
        return asArray(arg).every((c) => this.truthy(c));
      case "Fn::Or":
        return asArray(arg).some((c) => this.truthy(c));
      case "Fn::Base64":
        return Buffer.from(stringify(this.evaluate(arg))).toString("base64");
      case "Fn::FindInMap": {
        const [map, top, second] = asArray(arg).map((a) => stringify(this.evaluate(a)));
        const found = (s.template.Mappings[map ?? ""]?.[top ?? ""] as JsonObject | undefined)?.[second ?? ""];
        return found ?? "";
      }
      case "Fn::ImportValue":
        return s.importValue(stringify(this.evaluate(arg)));
      case "Fn::Length": {
        const list = this.evaluate(arg);
        return Array.isArray(list) ? list.length : 0;
      }
      case "Fn::ToJsonString":
        return JSON.stringify(this.evaluate(arg));
      case "Fn::Cidr": {
        const [, count] = asArray(arg);
        return Array.from({ length: Number(count ?? 1) }, (_, i) => `10.0.${i}.0/24`);
      }
      default:
        return key.startsWith("Fn::") ? `${key.slice(4)}-unsupported` : undefined;
    }
  }

  private ref(name: string): Value {
    const s = this.scope;
    switch (name) {
      case "AWS::Region":
        return s.region;
      case "AWS::AccountId":
        return s.account;
      case "AWS::Partition":
        return "aws";
      case "AWS::URLSuffix":
        return "amazonaws.com";
      case "AWS::StackName":
        return s.stackName;
      case "AWS::StackId":
        return s.stackId;
      case "AWS::NotificationARNs":
        return [];
      case "AWS::NoValue":
        return NO_VALUE;
    }
    if (name in s.template.Parameters) {
      const value = s.parameters[name] ?? "";
      const type = s.template.Parameters[name]!.Type;
      return type === "CommaDelimitedList" || type.startsWith("List<") ? value.split(",") : value;
    }
    return s.ref(name);
  }

  private sub(arg: Json): Value {
    const [text, variables] = Array.isArray(arg) ? [String(arg[0] ?? ""), arg[1]] : [String(arg), undefined];
    const local = isObject(variables) ? variables : {};
    return text.replace(/\$\{([^}]+)\}/g, (_whole, inner: string) => {
      const name = inner.trim();
      if (name.startsWith("!")) return `\${${name.slice(1)}}`;
      if (name in local) return stringify(this.evaluate(local[name]!));
      const dot = name.indexOf(".");
      if (dot > 0 && !PSEUDO_PARAMETERS.has(name)) return this.scope.getAtt(name.slice(0, dot), name.slice(dot + 1));
      return stringify(this.ref(name));
    });
  }
}

function asArray(arg: Json): Json[] {
  return Array.isArray(arg) ? arg : [arg];
}

function splitOnce(text: string): [string, string] {
  const dot = text.indexOf(".");
  return dot < 0 ? [text, ""] : [text.slice(0, dot), text.slice(dot + 1)];
}

function stringify(value: Value): string {
  if (value === NO_VALUE || value === null) return "";
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(stringify).join(",");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

