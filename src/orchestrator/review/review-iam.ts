/**
 * IAM statement changes, computed from the deployed and desired templates (parameters resolved), the way
 * the CDK's `cdk diff` shows them (aws-cdk cloudformation-diff, IamChanges): every statement that is added
 * or removed, with its effect, actions, resources, principals and condition. Whether each one widens
 * access is decided here by its content, for the one judgment in approval.ts.
 */
import { canonicalJson } from "../../canonical-json.js";
import type { Json, Template } from "../../templates/cfn.js";
import { listOf, showValue } from "./review-show.js";

export interface IamStatement {
  /** The resource holding it: `ExecutionRole`, `ExecutionRole/SecretsAccess` (an inline policy), `ExecutionRole (trust)`. */
  readonly where: string;
  readonly logicalId: string;
  readonly effect: string;
  readonly actions: string[];
  readonly resources: string[];
  readonly principals: string[];
  readonly condition: string;
}

export interface IamChange {
  readonly change: "added" | "removed";
  readonly statement: IamStatement;
  /** Grants something not granted before: an Allow that adds actions, resources or principals, or a Deny removed. */
  readonly widens: boolean;
}

type Doc = { Statement?: Json };

/** Every statement a template grants or denies, with where it lives. */
export function statementsOf(template: Template | undefined): IamStatement[] {
  const found: IamStatement[] = [];
  for (const [logicalId, resource] of Object.entries(template?.Resources ?? {})) {
    const p = resource.Properties ?? {};
    const add = (where: string, doc: Json | undefined) => found.push(...statementsIn(logicalId, where, doc as Doc | undefined));
    if (resource.Type === "AWS::IAM::Role") {
      add(`${logicalId} (trust)`, p.AssumeRolePolicyDocument);
      for (const policy of Array.isArray(p.Policies) ? p.Policies : []) {
        const named = policy as { PolicyName?: Json; PolicyDocument?: Json };
        add(`${logicalId}/${showValue(named.PolicyName)}`, named.PolicyDocument);
      }
      // A managed policy's content is not in the template: attaching one is shown (and judged) as a grant of it.
      for (const arn of listOf(p.ManagedPolicyArns)) {
        found.push({ where: logicalId, logicalId, effect: "Allow", actions: [`(managed policy) ${arn}`], resources: [], principals: [], condition: "" });
      }
    } else if (p.PolicyDocument !== undefined) {
      add(logicalId, p.PolicyDocument);
    }
  }
  return found;
}

function statementsIn(logicalId: string, where: string, doc: Doc | undefined): IamStatement[] {
  const raw = doc?.Statement;
  const list = Array.isArray(raw) ? raw : raw ? [raw] : [];
  return list.map((s) => {
    const st = s as Record<string, Json>;
    return {
      where,
      logicalId,
      effect: showValue(st.Effect),
      actions: [...listOf(st.Action), ...listOf(st.NotAction).map((a) => `NOT ${a}`)].sort(),
      resources: [...listOf(st.Resource), ...listOf(st.NotResource).map((r) => `NOT ${r}`)].sort(),
      principals: principalsOf(st.Principal),
      condition: st.Condition === undefined ? "" : showValue(st.Condition),
    };
  });
}

function principalsOf(principal: Json | undefined): string[] {
  if (principal === undefined) return [];
  if (typeof principal === "string") return [principal];
  if (principal === null || Array.isArray(principal) || typeof principal !== "object") return [showValue(principal)];
  return Object.entries(principal).flatMap(([kind, who]) => listOf(who).map((w) => `${kind}:${w}`)).sort();
}

const key = (s: IamStatement) => canonicalJson({ ...s });

/** Added and removed statements between the deployed and desired templates, each judged by what it grants. */
export function iamChanges(deployed: Template | undefined, desired: Template | undefined): IamChange[] {
  const before = statementsOf(deployed);
  const after = statementsOf(desired);
  const beforeKeys = new Set(before.map(key));
  const afterKeys = new Set(after.map(key));
  const added = after.filter((s) => !beforeKeys.has(key(s)));
  const removed = before.filter((s) => !afterKeys.has(key(s)));
  return [
    ...removed.map((statement) => ({ change: "removed" as const, statement, widens: statement.effect === "Deny" && !covered(statement, after) })),
    ...added.map((statement) => ({ change: "added" as const, statement, widens: statement.effect !== "Deny" && !covered(statement, before) })),
  ];
}

/**
 * Whether `others` already hold a statement of the same place, effect and condition whose actions, resources
 * and principals include all of this one's: then this one grants (or denies) nothing new.
 */
function covered(statement: IamStatement, others: readonly IamStatement[]): boolean {
  const within = (some: readonly string[], all: readonly string[]) => some.every((x) => all.includes(x));
  return others.some(
    (o) =>
      o.where === statement.where &&
      o.effect === statement.effect &&
      o.condition === statement.condition &&
      within(statement.actions, o.actions) &&
      within(statement.resources, o.resources) &&
      within(statement.principals, o.principals),
  );
}
