/**
 * Issue 13: the templates read against what the MCP server does at run time. The server reaches its
 * database, signs users in with a flow its app client allows, is told about the identity pool, pulls
 * images and writes logs and secrets through VPC endpoints where it sits behind NAT, and prod keeps an
 * audit trail of load balancer and bucket access.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadEnvironment } from "../src/env/load.js";
import type { Environment, EnvironmentName } from "../src/env/model.js";
import { UserInputError } from "../src/errors.js";
import type { Resource, Template } from "../src/templates/cfn.js";
import { synthesizeEnvironment } from "../src/templates/index.js";
import { deployableConfigDir } from "./support/deploy-harness.js";

/* eslint-disable @typescript-eslint/no-explicit-any -- assertions walk emitted JSON */
type Obj = Record<string, any>;

const NAMES = ["dev", "stage", "prod"] as const;
const configDir = deployableConfigDir("123456789012");
const env = (name: EnvironmentName, overrides: Record<string, unknown> = {}): Environment =>
  ({ ...loadEnvironment(name, { cwd: configDir, vars: {} }), ...overrides }) as Environment;
const stacksOf = (e: Environment): Record<string, Template> =>
  Object.fromEntries(synthesizeEnvironment(e).map((s) => [s.definition.id, s.template]));
const templatesOf = (name: EnvironmentName, overrides: Record<string, unknown> = {}) => stacksOf(env(name, overrides));

const ofType = (t: Template, type: string): [string, Resource][] => Object.entries(t.Resources).filter(([, r]) => r.Type === type);
const props = (t: Template, id: string): Obj => t.Resources[id]?.Properties ?? {};
const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const TASK_SG = { "Fn::GetAtt": ["TaskSecurityGroup", "GroupId"] };
const DATABASE_CIDRS = ["10.0.64.0/24", "10.0.65.0/24"];
const PRIVATE_CIDRS = ["10.0.16.0/20", "10.0.32.0/20"];

/** "tcp 443 0.0.0.0/0"-style summaries of the task group's egress, inline and standalone. */
function taskEgress(backend: Template): string[] {
  const inline = list(props(backend, "TaskSecurityGroup").SecurityGroupEgress) as Obj[];
  const standalone = ofType(backend, "AWS::EC2::SecurityGroupEgress")
    .map(([, r]) => r.Properties as Obj)
    .filter((p) => JSON.stringify(p.GroupId) === JSON.stringify(TASK_SG));
  return [...inline, ...standalone]
    .map((r) => `${r.IpProtocol} ${r.FromPort}-${r.ToPort} ${r.CidrIp ?? r.DestinationPrefixListId ?? JSON.stringify(r.DestinationSecurityGroupId)}`)
    .sort();
}

describe("the server reaches its database", () => {
  it.each(NAMES)("%s: tasks may leave on 443 anywhere and on 5432 to the two database subnets, nothing else", (name) => {
    expect(taskEgress(templatesOf(name).backend!)).toEqual(
      ["tcp 443-443 0.0.0.0/0", ...DATABASE_CIDRS.map((cidr) => `tcp 5432-5432 ${cidr}`)].sort(),
    );
  });

  it("follows the configured database port", () => {
    expect(taskEgress(templatesOf("dev", { databasePort: 6543 }).backend!)).toEqual(
      ["tcp 443-443 0.0.0.0/0", ...DATABASE_CIDRS.map((cidr) => `tcp 6543-6543 ${cidr}`)].sort(),
    );
  });

  it("adds one rule for a database outside the VPC, by CIDR or by prefix list", () => {
    expect(taskEgress(templatesOf("prod", { databaseDestination: "172.31.0.0/16" }).backend!)).toContain("tcp 5432-5432 172.31.0.0/16");
    const byPrefixList = taskEgress(templatesOf("prod", { databaseDestination: "pl-0123456789abcdef0" }).backend!);
    expect(byPrefixList).toContain("tcp 5432-5432 pl-0123456789abcdef0");
    expect(byPrefixList).toHaveLength(4);
  });

  it.each(NAMES)("%s: the network exports the database subnets and a database group the tasks may reach on 5432", (name) => {
    const { network, backend } = templatesOf(name);
    expect(network!.Outputs?.DatabaseSubnetIds?.Value).toEqual({ "Fn::Join": [",", [{ Ref: "DatabaseSubnet1" }, { Ref: "DatabaseSubnet2" }]] });
    expect(network!.Outputs?.DatabaseSecurityGroupId?.Value).toEqual({ "Fn::GetAtt": ["DatabaseSecurityGroup", "GroupId"] });
    const group = props(network!, "DatabaseSecurityGroup");
    expect(group.SecurityGroupIngress).toBeUndefined();
    // A database never opens connections: the only egress entry matches no traffic.
    expect(group.SecurityGroupEgress).toEqual([expect.objectContaining({ IpProtocol: "icmp", CidrIp: "255.255.255.255/32" })]);

    const intoDatabase = ofType(backend!, "AWS::EC2::SecurityGroupIngress")
      .map(([, r]) => r.Properties as Obj)
      .filter((p) => JSON.stringify(p.GroupId) === JSON.stringify({ Ref: "DatabaseSecurityGroupId" }));
    expect(intoDatabase).toEqual([expect.objectContaining({ IpProtocol: "tcp", FromPort: 5432, ToPort: 5432, SourceSecurityGroupId: TASK_SG })]);
    expect(intoDatabase[0]?.CidrIp).toBeUndefined();
  });
});

describe("sign-in flows match the task role", () => {
  it.each(NAMES)("%s: the client the server uses allows the admin password flow the role may call, and still SRP for public clients", (name) => {
    const { auth, backend } = templatesOf(name);
    const flows = props(auth!, "UserPoolClient").ExplicitAuthFlows as string[];
    const actions = (props(backend!, "TaskRole").Policies as Obj[]).flatMap((p) => p.PolicyDocument.Statement).flatMap((s: Obj) => list(s.Action));
    expect(actions).toContain("cognito-idp:AdminInitiateAuth");
    expect(flows).toContain("ALLOW_ADMIN_USER_PASSWORD_AUTH");
    expect(flows).toContain("ALLOW_USER_SRP_AUTH");
    expect(flows).toContain("ALLOW_REFRESH_TOKEN_AUTH");
    // The plain USER_PASSWORD flow would let any holder of the public client id send passwords; not needed.
    expect(flows).not.toContain("ALLOW_USER_PASSWORD_AUTH");
    // The server signs in through the same client it is told about.
    const variables = props(backend!, "TaskDefinition").ContainerDefinitions[0].Environment as Obj[];
    expect(variables.find((v) => v.Name === "COGNITO_CLIENT_ID")?.Value).toEqual({ Ref: "UserPoolClientId" });
  });
});

describe("the server is told about the identity pool", () => {
  it.each(NAMES)("%s: COGNITO_IDENTITY_POOL_ID and COGNITO_REGION reach the container", (name) => {
    const { backend } = templatesOf(name);
    const variables = props(backend!, "TaskDefinition").ContainerDefinitions[0].Environment as Obj[];
    const value = (key: string) => variables.find((v) => v.Name === key)?.Value;
    expect(value("COGNITO_IDENTITY_POOL_ID")).toEqual({ Ref: "IdentityPoolId" });
    expect(value("COGNITO_REGION")).toEqual({ Ref: "AWS::Region" });
    expect(backend!.Parameters?.IdentityPoolId?.Description).toBe("IdentityPoolId from auth");
  });
});

describe("VPC endpoints", () => {
  const interfaceEndpoints = (t: Template) =>
    ofType(t, "AWS::EC2::VPCEndpoint")
      .map(([, r]) => r.Properties as Obj)
      .filter((p) => p.VpcEndpointType === "Interface");

  it("prod has interface endpoints for ECR api and dkr, CloudWatch Logs and Secrets Manager; dev and stage none", () => {
    const services = (name: EnvironmentName) => interfaceEndpoints(templatesOf(name).network!).map((p) => p.ServiceName["Fn::Sub"]).sort();
    expect(services("prod")).toEqual(
      ["ecr.api", "ecr.dkr", "logs", "secretsmanager"].map((s) => `com.amazonaws.\${AWS::Region}.${s}`),
    );
    expect(services("dev")).toEqual([]);
    expect(services("stage")).toEqual([]);
  });

  it("dev gets them when it asks, in its private subnets with private DNS, behind a group open on 443 to the private subnets only", () => {
    const network = templatesOf("dev", { vpcEndpoints: true }).network!;
    const endpoints = interfaceEndpoints(network);
    expect(endpoints).toHaveLength(4);
    for (const p of endpoints) {
      expect(p.PrivateDnsEnabled).toBe(true);
      expect(p.SubnetIds).toEqual([{ Ref: "PrivateSubnet1" }, { Ref: "PrivateSubnet2" }]);
      expect(p.SecurityGroupIds).toEqual([{ "Fn::GetAtt": ["EndpointSecurityGroup", "GroupId"] }]);
    }
    const group = props(network, "EndpointSecurityGroup");
    expect(group.SecurityGroupIngress.map((r: Obj) => `${r.IpProtocol} ${r.FromPort}-${r.ToPort} ${r.CidrIp}`)).toEqual(
      PRIVATE_CIDRS.map((cidr) => `tcp 443-443 ${cidr}`),
    );
    expect(group.SecurityGroupEgress).toEqual([expect.objectContaining({ IpProtocol: "icmp", CidrIp: "255.255.255.255/32" })]);
  });

  it("keeps the S3 gateway endpoint everywhere", () => {
    for (const name of NAMES) expect(props(templatesOf(name).network!, "S3GatewayEndpoint").VpcEndpointType).toBe("Gateway");
  });
});

describe("stage declares only what it uses", () => {
  it("stage (tasks in public subnets) has no PrivateSubnetIds parameter; dev and prod do", () => {
    const declares = (name: EnvironmentName) => Object.keys(templatesOf(name).backend!.Parameters ?? {}).includes("PrivateSubnetIds");
    expect(NAMES.map(declares)).toEqual([true, false, true]);
  });
});

describe("prod audit trail", () => {
  const attribute = (backend: Template, key: string) =>
    (props(backend, "LoadBalancer").LoadBalancerAttributes as Obj[]).find((a) => a.Key === key)?.Value;

  it("prod's load balancer writes access logs to the log bucket; dev and stage do not", () => {
    const prod = templatesOf("prod").backend!;
    expect(attribute(prod, "access_logs.s3.enabled")).toBe("true");
    expect(attribute(prod, "access_logs.s3.bucket")).toEqual({ Ref: "AccessLogBucketName" });
    expect(attribute(prod, "access_logs.s3.prefix")).toBe("alb");
    expect(prod.Parameters?.AccessLogBucketName?.Description).toBe("AccessLogBucketName from storage");
    for (const name of ["dev", "stage"] as const) {
      const backend = templatesOf(name).backend!;
      expect(attribute(backend, "access_logs.s3.enabled")).toBeUndefined();
      expect(backend.Parameters?.AccessLogBucketName).toBeUndefined();
    }
  });

  it("prod's data bucket logs its accesses to the log bucket", () => {
    const storage = templatesOf("prod").storage!;
    expect(props(storage, "Bucket").LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: "LogBucket" }, LogFilePrefix: "s3/" });
    expect(storage.Outputs?.AccessLogBucketName?.Value).toEqual({ Ref: "LogBucket" });
    for (const name of ["dev", "stage"] as const) {
      const other = templatesOf(name).storage!;
      expect(other.Resources.LogBucket).toBeUndefined();
      expect(props(other, "Bucket").LoggingConfiguration).toBeUndefined();
    }
  });

  it("the log bucket is SSE-S3 encrypted (ALB logs refuse KMS), private, expiring and retained in prod", () => {
    const storage = templatesOf("prod").storage!;
    const bucket = storage.Resources.LogBucket!;
    expect([bucket.DeletionPolicy, bucket.UpdateReplacePolicy]).toEqual(["Retain", "Retain"]);
    const p = bucket.Properties as Obj;
    expect(p.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] });
    expect(p.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    const expiry = (p.LifecycleConfiguration.Rules as Obj[]).find((r) => r.ExpirationInDays !== undefined);
    expect(expiry).toMatchObject({ Status: "Enabled" });
    expect(expiry?.ExpirationInDays).toBeGreaterThanOrEqual(90);
    // The log bucket does not log into itself.
    expect(p.LoggingConfiguration).toBeUndefined();
  });

  it("the log bucket policy lets us-east-2's ELB account write ALB logs and S3 logging write the data bucket's, each under its prefix", () => {
    const storage = templatesOf("prod").storage!;
    const statements = props(storage, "LogBucketPolicy").PolicyDocument.Statement as Obj[];
    const allows = statements.filter((s) => s.Effect === "Allow");
    const elb = allows.find((s) => JSON.stringify(s.Principal).includes("033677994240"));
    expect(elb).toMatchObject({ Principal: { AWS: "arn:aws:iam::033677994240:root" }, Action: "s3:PutObject" });
    expect(elb?.Resource).toEqual({ "Fn::Sub": "${LogBucket.Arn}/alb/AWSLogs/${AWS::AccountId}/*" });
    const s3 = allows.find((s) => JSON.stringify(s.Principal).includes("logging.s3.amazonaws.com"));
    expect(s3).toMatchObject({ Principal: { Service: "logging.s3.amazonaws.com" }, Action: "s3:PutObject", Resource: { "Fn::Sub": "${LogBucket.Arn}/s3/*" } });
    expect(s3?.Condition).toEqual({
      ArnLike: { "aws:SourceArn": { "Fn::GetAtt": ["Bucket", "Arn"] } },
      StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } },
    });
    expect(allows).toHaveLength(2);
  });

  it("a region opened after August 2022 grants the ELB log delivery service principal instead", () => {
    const storage = templatesOf("prod", { region: "ap-southeast-4" }).storage!;
    const statements = props(storage, "LogBucketPolicy").PolicyDocument.Statement as Obj[];
    expect(statements.some((s) => JSON.stringify(s.Principal) === JSON.stringify({ Service: "logdelivery.elasticloadbalancing.amazonaws.com" }))).toBe(true);
  });

  it("stage can switch audit logs on", () => {
    const { storage, backend } = templatesOf("stage", { auditLogs: true });
    expect(storage!.Resources.LogBucket?.DeletionPolicy).toBe("Delete");
    expect(attribute(backend!, "access_logs.s3.enabled")).toBe("true");
  });
});

describe("environment fields", () => {
  const load = (name: EnvironmentName, yaml: string) => {
    const dir = deployableConfigDir("123456789012");
    writeFileSync(join(dir, "orchestrate.config.yaml"), yaml);
    return loadEnvironment(name, { cwd: dir, vars: {} });
  };
  const problem = (name: EnvironmentName, yaml: string): string => {
    try {
      load(name, yaml);
    } catch (error) {
      expect(error).toBeInstanceOf(UserInputError);
      return (error as Error).message;
    }
    throw new Error("expected a UserInputError");
  };

  it("defaults: database port 5432, endpoints and audit logs in prod only", () => {
    const fields = (name: EnvironmentName) => {
      const e = env(name) as unknown as Obj;
      return [e.databasePort, e.vpcEndpoints, e.auditLogs, e.databaseDestination];
    };
    expect(NAMES.map(fields)).toEqual([
      [5432, false, false, undefined],
      [5432, false, false, undefined],
      [5432, true, true, undefined],
    ]);
  });

  it("takes the new fields from the config file", () => {
    const e = load("dev", "dev:\n  databasePort: 6543\n  databaseDestination: 10.1.0.0/16\n  vpcEndpoints: true\n  auditLogs: true\n") as unknown as Obj;
    expect([e.databasePort, e.databaseDestination, e.vpcEndpoints, e.auditLogs]).toEqual([6543, "10.1.0.0/16", true, true]);
  });

  it("refuses a port outside 1-65535", () => {
    expect(problem("dev", "dev:\n  databasePort: 70000\n")).toMatch(/dev\.databasePort 70000: .*1-65535/);
  });

  it("refuses a destination that is neither a CIDR nor a prefix list, and one that opens the port to everything", () => {
    expect(problem("dev", "dev:\n  databaseDestination: db.example.com\n")).toMatch(/dev\.databaseDestination "db\.example\.com": .*CIDR.*pl-/);
    expect(problem("dev", "dev:\n  databaseDestination: 10.0.0.0/33\n")).toMatch(/dev\.databaseDestination/);
    expect(problem("dev", "dev:\n  databaseDestination: 0.0.0.0/0\n")).toMatch(/dev\.databaseDestination "0\.0\.0\.0\/0": .*every address/);
  });

  it("refuses VPC endpoints where tasks do not sit behind NAT (stage)", () => {
    expect(problem("stage", "stage:\n  vpcEndpoints: true\n")).toMatch(/stage\.vpcEndpoints true: tasks run in public subnets .*natGateways/);
  });
});
