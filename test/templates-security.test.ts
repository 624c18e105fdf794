/**
 * Security properties of every template of every environment: least-privilege IAM, a private
 * TLS-only bucket, secrets only through Secrets Manager, modern TLS on the load balancer and tasks
 * reachable only through it.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadEnvironments } from "../src/env/load.js";
import { CONTAINER_PORT, type Environment } from "../src/env/model.js";
import type { Resource, Template } from "../src/templates/cfn.js";
import { synthesizeEnvironment, type SynthesizedStack } from "../src/templates/index.js";
import { isObject, objects, type Obj } from "./support/json-walk.js";

const configDir = mkdtempSync(join(tmpdir(), "templates-security-"));
writeFileSync(join(configDir, "orchestrate.config.yaml"), 'prod:\n  account: "123456789012"\n');
afterAll(() => rmSync(configDir, { recursive: true, force: true }));
const ENVIRONMENTS: Environment[] = loadEnvironments(["dev", "stage", "prod"], { cwd: configDir, vars: {} });

/**
 * Actions for which IAM has no resource-level permissions, so "*" is the only Resource it accepts
 * (Service Authorization Reference: no resource type listed for the action).
 */
const STAR_ONLY_ACTIONS = new Set([
  "ecr:GetAuthorizationToken", // registry login token, account-wide
  "cloudwatch:PutMetricData", // custom metrics; scope with the cloudwatch:namespace condition instead
  "xray:PutTraceSegments",
  "xray:PutTelemetryRecords",
  "xray:GetSamplingRules",
  "xray:GetSamplingTargets",
  "ssmmessages:CreateControlChannel", // ECS Exec channels
  "ssmmessages:CreateDataChannel",
  "ssmmessages:OpenControlChannel",
  "ssmmessages:OpenDataChannel",
]);

const TLS_POLICY = /^ELBSecurityPolicy-(TLS13-|TLS-1-2-)/;
const SECRET_NAME = /PASSWORD|SECRET|TOKEN|KEY/i;

const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

interface FoundStatement {
  where: string;
  statement: Obj;
}

/**
 * Every IAM policy statement in a template, wherever the document sits: role inline policies and
 * trust policies, AWS::IAM::Policy / ManagedPolicy, bucket and queue policies, endpoint policies…
 * A policy document is recognised by its shape (an object with Statement), not by property name.
 */
function statements(stack: string, template: Template, only?: (id: string, resource: Resource) => boolean): FoundStatement[] {
  const found: FoundStatement[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (only && !only(id, resource)) continue;
    for (const [path, object] of objects(resource.Properties)) {
      if (!("Statement" in object)) continue;
      list(object.Statement).forEach((statement, i) => {
        found.push({ where: `${stack} ${id} ${path}.Statement[${i}]`, statement: statement as Obj });
      });
    }
  }
  return found;
}

/** Whether a CloudFormation value refers to a parameter: by Ref, Fn::Sub `${Name}` or inside Fn::Join. */
function refersTo(value: unknown, parameter: string): boolean {
  for (const [, object] of objects(value)) {
    if (object.Ref === parameter) return true;
    const sub = object["Fn::Sub"];
    const text = typeof sub === "string" ? sub : Array.isArray(sub) && typeof sub[0] === "string" ? sub[0] : undefined;
    if (text?.includes(`\${${parameter}}`)) return true;
  }
  return false;
}

/** The literal string a value stands for, when it is a string, a Sub without variables or a Join of literals. */
function literal(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (isObject(value)) {
    const sub = value["Fn::Sub"];
    if (typeof sub === "string" && !sub.includes("${")) return sub;
    const joined = value["Fn::Join"];
    if (Array.isArray(joined) && typeof joined[0] === "string" && Array.isArray(joined[1])) {
      const parts = joined[1].map(literal);
      if (parts.every((p) => p !== undefined)) return parts.join(joined[0]);
    }
  }
  return undefined;
}

/** The logical id a Ref or Fn::GetAtt value points at. */
function target(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  if (typeof value.Ref === "string") return value.Ref;
  const getAtt = value["Fn::GetAtt"];
  if (Array.isArray(getAtt) && typeof getAtt[0] === "string") return getAtt[0];
  if (typeof getAtt === "string") return getAtt.split(".")[0];
  return undefined;
}

const parameterFor = ({ definition }: SynthesizedStack, from: string, output: string): string => {
  const entry = Object.entries(definition.inputs).find(([, input]) => input.from === from && input.output === output);
  if (!entry) throw new Error(`${definition.id} declares no input for ${output} from ${from}`);
  return entry[0];
};

const resourcesOfType = (template: Template, type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);

describe.each(ENVIRONMENTS.map((env) => [env.name, env] as const))("%s", (_name, env) => {
  const stacks = synthesizeEnvironment(env);
  const stack = (id: string) => stacks.find((s) => s.definition.id === id)!;
  const everyStatement = stacks.flatMap(({ definition, template }) => statements(definition.id, template));

  it("finds the policy documents it is checking", () => {
    // Guards the checks below against passing vacuously: roles, bucket policy and task policies are all seen.
    expect(everyStatement.some((s) => s.where.startsWith("storage BucketPolicy"))).toBe(true);
    expect(everyStatement.some((s) => s.where.startsWith("backend ") && s.where.includes("Policies"))).toBe(true);
  });

  it("no Allow statement grants every action or every action of a service", () => {
    const problems: string[] = [];
    for (const { where, statement } of everyStatement) {
      if (statement.Effect !== "Allow") continue;
      if (statement.NotAction !== undefined) problems.push(`${where}: Allow with NotAction grants everything else`);
      for (const action of list(statement.Action)) {
        if (typeof action === "string" && (action === "*" || /^[a-z0-9-]+:\*$/i.test(action))) problems.push(`${where}: Allow ${action}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('no Allow statement has Resource "*" except for actions IAM only accepts on "*"', () => {
    const problems: string[] = [];
    for (const { where, statement } of everyStatement) {
      if (statement.Effect !== "Allow") continue;
      if (statement.NotResource !== undefined) problems.push(`${where}: Allow with NotResource`);
      if (!list(statement.Resource).includes("*")) continue;
      const actions = list(statement.Action).map(String);
      const broad = actions.filter((a) => !STAR_ONLY_ACTIONS.has(a));
      if (broad.length > 0) problems.push(`${where}: Resource "*" for ${broad.join(", ")}`);
    }
    expect(problems).toEqual([]);
  });

  it("the backend task role reaches only its own bucket and user pool", () => {
    const backend = stack("backend");
    const bucketArn = parameterFor(backend, "storage", "BucketArn");
    const userPoolArn = parameterFor(backend, "auth", "UserPoolArn");
    const [, task] = resourcesOfType(backend.template, "AWS::ECS::TaskDefinition")[0]!;
    const taskRole = target(task.Properties?.TaskRoleArn);
    expect(taskRole, "TaskRoleArn must point at a role of the stack").toBeDefined();
    expect(backend.template.Resources[taskRole!]?.Type).toBe("AWS::IAM::Role");

    // The role's inline policies, and any policy resource attached to it.
    const attached = (id: string, resource: Resource) =>
      id === taskRole ||
      ((resource.Type === "AWS::IAM::Policy" || resource.Type === "AWS::IAM::ManagedPolicy") &&
        list(resource.Properties?.Roles).some((role) => target(role) === taskRole));
    const found = statements("backend", backend.template, attached).filter(({ where }) => !where.includes("AssumeRolePolicyDocument"));
    const problems: string[] = [];
    let s3 = 0;
    let cognito = 0;
    for (const { where, statement } of found) {
      const actions = list(statement.Action).map(String);
      const resources = list(statement.Resource);
      if (actions.some((a) => a.startsWith("s3:"))) {
        s3++;
        if (resources.length === 0 || !resources.every((r) => refersTo(r, bucketArn))) problems.push(`${where}: S3 resources must be built from ${bucketArn}`);
      }
      if (actions.some((a) => a.startsWith("cognito-idp:"))) {
        cognito++;
        if (resources.length === 0 || !resources.every((r) => refersTo(r, userPoolArn))) problems.push(`${where}: Cognito resources must be ${userPoolArn}`);
      }
    }
    expect(problems).toEqual([]);
    expect(s3, "the task role has S3 statements").toBeGreaterThan(0);
    expect(cognito, "the task role has Cognito statements").toBeGreaterThan(0);
  });

  it("the bucket blocks all public access and refuses plain HTTP", () => {
    const storage = stack("storage").template;
    const buckets = resourcesOfType(storage, "AWS::S3::Bucket");
    expect(buckets.length).toBeGreaterThan(0);
    for (const [id, bucket] of buckets) {
      expect(bucket.Properties?.PublicAccessBlockConfiguration, id).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      const policies = resourcesOfType(storage, "AWS::S3::BucketPolicy").filter(([, p]) => target(p.Properties?.Bucket) === id);
      expect(policies, `${id} has a bucket policy`).toHaveLength(1);
      const [policyId, policy] = policies[0]!;
      const tlsOnly = statements("storage", { ...storage, Resources: { [policyId]: policy } }).filter(({ statement }) => {
        const condition = statement.Condition as Obj | undefined;
        const bool = condition?.Bool as Obj | undefined;
        return statement.Effect === "Deny" && (bool?.["aws:SecureTransport"] === "false" || bool?.["aws:SecureTransport"] === false);
      });
      expect(tlsOnly, `${id} policy denies aws:SecureTransport false`).toHaveLength(1);
      const { statement } = tlsOnly[0]!;
      expect(list(statement.Action)).toContain("s3:*");
      expect([statement.Principal, isObject(statement.Principal) ? statement.Principal.AWS : undefined]).toContain("*");
      // Both the bucket itself and every object in it.
      const resources = list(statement.Resource);
      expect(resources.some((r) => target(r) === id && !JSON.stringify(r).includes("/*"))).toBe(true);
      expect(resources.some((r) => JSON.stringify(r).includes("/*") && JSON.stringify(r).includes(id))).toBe(true);
    }
  });

  it("containers get secrets only from the environment's secret, never as plain variables", () => {
    const problems: string[] = [];
    let containers = 0;
    for (const { definition, template } of stacks) {
      for (const [id, task] of resourcesOfType(template, "AWS::ECS::TaskDefinition")) {
        for (const container of list(task.Properties?.ContainerDefinitions) as Obj[]) {
          containers++;
          const where = `${definition.id} ${id} container ${String(container.Name)}`;
          for (const variable of list(container.Environment) as Obj[]) {
            const name = String(variable.Name);
            const value = variable.Value;
            if (SECRET_NAME.test(name) && (typeof value === "string" || typeof value === "number")) {
              problems.push(`${where}: Environment ${name} holds a literal value; secrets belong in Secrets`);
            }
            if (name === "API_KEY") problems.push(`${where}: API_KEY must come from Secrets, not Environment`);
          }
          const secrets = list(container.Secrets) as Obj[];
          for (const secret of secrets) {
            // The SecretsArn parameter carries env.secretsArn at deploy time (preflight's context).
            const from = literal(JSON.parse(JSON.stringify(secret.ValueFrom).replaceAll('{"Ref":"SecretsArn"}', JSON.stringify(env.secretsArn))));
            if (from === undefined || !(from === env.secretsArn || from.startsWith(`${env.secretsArn}:`))) {
              problems.push(`${where}: secret ${String(secret.Name)} ValueFrom ${JSON.stringify(secret.ValueFrom)} is not ${env.secretsArn}`);
            }
          }
          if (!secrets.some((s) => s.Name === "API_KEY")) problems.push(`${where}: API_KEY is not among its Secrets`);
        }
      }
    }
    expect(containers).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  it("the HTTPS listener uses TLS 1.2 or newer and plain HTTP only redirects", () => {
    const backend = stack("backend").template;
    const listeners = resourcesOfType(backend, "AWS::ElasticLoadBalancingV2::Listener");
    const https = listeners.filter(([, l]) => Number(l.Properties?.Port) === 443);
    expect(https).toHaveLength(1);
    for (const [id, listener] of https) {
      expect(listener.Properties?.Protocol, id).toBe("HTTPS");
      expect(listener.Properties?.SslPolicy, id).toMatch(TLS_POLICY);
    }
    for (const [id, listener] of listeners.filter(([, l]) => l.Properties?.Protocol === "HTTP")) {
      const actions = list(listener.Properties?.DefaultActions) as Obj[];
      expect(actions.map((a) => a.Type), `${id} only redirects`).toEqual(["redirect"]);
      expect((actions[0]?.RedirectConfig as Obj | undefined)?.Protocol, id).toBe("HTTPS");
    }
  });

  it(`tasks accept traffic only from the load balancer's security group, on ${CONTAINER_PORT}`, () => {
    const backend = stack("backend").template;
    const [, service] = resourcesOfType(backend, "AWS::ECS::Service")[0]!;
    const awsvpc = (service.Properties?.NetworkConfiguration as Obj | undefined)?.AwsvpcConfiguration as Obj | undefined;
    const taskGroups = list(awsvpc?.SecurityGroups).map(target);
    const [, alb] = resourcesOfType(backend, "AWS::ElasticLoadBalancingV2::LoadBalancer")[0]!;
    const albGroups = list(alb.Properties?.SecurityGroups).map(target);
    expect(taskGroups.length).toBeGreaterThan(0);
    expect(albGroups.length).toBeGreaterThan(0);
    expect(taskGroups.every((g) => g !== undefined && backend.Resources[g]?.Type === "AWS::EC2::SecurityGroup")).toBe(true);

    const problems: string[] = [];
    const rules: [string, Obj][] = [];
    for (const group of taskGroups) {
      for (const [i, rule] of (list(backend.Resources[group!]!.Properties?.SecurityGroupIngress) as Obj[]).entries()) {
        rules.push([`${group} SecurityGroupIngress[${i}]`, rule]);
      }
    }
    for (const [id, ingress] of resourcesOfType(backend, "AWS::EC2::SecurityGroupIngress")) {
      if (taskGroups.includes(target(ingress.Properties?.GroupId))) rules.push([id, ingress.Properties as Obj]);
    }
    for (const [where, rule] of rules) {
      const source = target(rule.SourceSecurityGroupId);
      if (!albGroups.includes(source)) problems.push(`${where}: source ${JSON.stringify(rule.SourceSecurityGroupId ?? rule.CidrIp ?? rule.CidrIpv6)} is not the load balancer's group`);
      for (const forbidden of ["CidrIp", "CidrIpv6", "SourcePrefixListId"]) if (rule[forbidden] !== undefined) problems.push(`${where}: has ${forbidden}`);
      if (rule.IpProtocol !== "tcp" || Number(rule.FromPort) !== CONTAINER_PORT || Number(rule.ToPort) !== CONTAINER_PORT) {
        problems.push(`${where}: must be tcp ${CONTAINER_PORT} only, is ${String(rule.IpProtocol)} ${String(rule.FromPort)}-${String(rule.ToPort)}`);
      }
    }
    expect(rules.length, "the task group has an ingress rule").toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});
