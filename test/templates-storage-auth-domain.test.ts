import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnvironment } from "../src/env/load.js";
import type { Environment, EnvironmentName } from "../src/env/model.js";
import { authStack } from "../src/templates/auth.js";
import type { Resource, Template } from "../src/templates/cfn.js";
import { domainStack } from "../src/templates/domain.js";
import { synthesize } from "../src/templates/stack.js";
import { storageStack } from "../src/templates/storage.js";

type Rule = Record<string, any>;

let dir: string;
const envs = {} as Record<EnvironmentName, Environment>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "templates-sad-"));
  writeFileSync(join(dir, "orchestrate.config.yaml"), 'prod:\n  account: "123456789012"\n');
  for (const name of ["dev", "stage", "prod"] as const) envs[name] = loadEnvironment(name, { vars: {}, cwd: dir });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const resource = (template: Template, id: string): Resource => {
  const found = template.Resources[id];
  if (!found) throw new Error(`no resource ${id}`);
  return found;
};
const props = (template: Template, id: string): Record<string, any> => resource(template, id).Properties ?? {};
const storage = (name: EnvironmentName) => synthesize(storageStack, envs[name]);
const auth = (name: EnvironmentName) => synthesize(authStack, envs[name]);
const domain = (name: EnvironmentName) => synthesize(domainStack, envs[name]);
const rules = (name: EnvironmentName): Rule[] => props(storage(name), "Bucket").LifecycleConfiguration?.Rules ?? [];
const ruleFor = (name: EnvironmentName, prefix: string) => rules(name).find((r) => r.Prefix === prefix);

const API_DOMAINS = {
  dev: "api.dev-alert-engine.totogicore.com",
  stage: "api.stage-alert-engine.totogicore.com",
  prod: "api.alert-engine.totogicore.com",
} as const;

describe("storage stack", () => {
  it.each([
    ["dev", undefined],
    ["stage", { Status: "Enabled" }],
    ["prod", { Status: "Enabled" }],
  ] as const)("%s versioning is %o", (name, versioning) => {
    expect(props(storage(name), "Bucket").VersioningConfiguration).toEqual(versioning);
  });

  it.each([
    ["dev", undefined],
    ["stage", 30],
    ["prod", 90],
  ] as const)("%s expires noncurrent versions after %s days only where versioned", (name, days) => {
    const rule = rules(name).find((r) => r.Id === "expire-noncurrent-versions");
    expect(rule?.NoncurrentVersionExpiration?.NoncurrentDays).toBe(days);
    if (days === undefined) expect(rules(name).some((r) => "NoncurrentVersionExpiration" in r)).toBe(false);
  });

  it.each(["dev", "stage", "prod"] as const)("%s expires temp/, ages out logs/, aborts stale uploads", (name) => {
    expect(ruleFor(name, "temp/")).toMatchObject({ Status: "Enabled", ExpirationInDays: 7 });
    const logs = ruleFor(name, "logs/");
    expect(logs?.Transitions).toEqual([{ StorageClass: "STANDARD_IA", TransitionInDays: 30 }]);
    expect(logs?.ExpirationInDays).toBeGreaterThan(30);
    expect(rules(name).find((r) => r.AbortIncompleteMultipartUpload)).toMatchObject({ Status: "Enabled", AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } });
    expect(rules(name).find((r) => r.AbortIncompleteMultipartUpload)?.Prefix).toBeUndefined();
    for (const kept of ["alerts/", "configs/", "data/"]) expect(ruleFor(name, kept)).toBeUndefined();
  });

  it("drops the lifecycle configuration when an environment turns lifecycle rules off", () => {
    const template = synthesize(storageStack, { ...envs.stage, lifecycleRules: false });
    expect(props(template, "Bucket").LifecycleConfiguration).toBeUndefined();
  });

  it.each([
    ["dev", "Delete"],
    ["stage", "Delete"],
    ["prod", "Retain"],
  ] as const)("%s bucket deletion and replacement policy is %s", (name, policy) => {
    const bucket = resource(storage(name), "Bucket");
    expect(bucket.DeletionPolicy).toBe(policy);
    expect(bucket.UpdateReplacePolicy).toBe(policy);
  });

  it.each(["dev", "stage", "prod"] as const)("%s bucket is private, SSE-S3 encrypted, ACL-less and unnamed", (name) => {
    const bucket = props(storage(name), "Bucket");
    expect(bucket.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }]);
    expect(bucket.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] });
    expect(bucket.BucketName).toBeUndefined();
    expect(bucket.Tags).toEqual([{ Key: "Project", Value: "alert-engine" }, { Key: "Environment", Value: name }]);
  });

  it.each(["dev", "stage", "prod"] as const)("%s bucket policy denies any non-TLS request to the bucket and its objects", (name) => {
    const policy = props(storage(name), "BucketPolicy");
    expect(policy.Bucket).toEqual({ Ref: "Bucket" });
    expect(policy.PolicyDocument.Statement).toContainEqual({
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [{ "Fn::GetAtt": ["Bucket", "Arn"] }, { "Fn::Sub": "${Bucket.Arn}/*" }],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
  });

  it.each(["dev", "stage", "prod"] as const)("%s CORS allows only its own API origin", (name) => {
    const [rule, ...others] = props(storage(name), "Bucket").CorsConfiguration.CorsRules;
    expect(others).toEqual([]);
    expect(rule.AllowedOrigins).toEqual([`https://${API_DOMAINS[name]}`]);
    expect(rule.AllowedMethods).toEqual(["GET", "PUT", "POST", "DELETE", "HEAD"]);
  });

  it("declares the bucket stateful and exports its name and ARN", () => {
    expect(storageStack.statefulResources).toEqual(["Bucket"]);
    const outputs = storage("prod").Outputs ?? {};
    expect(outputs.BucketName?.Value).toEqual({ Ref: "Bucket" });
    expect(outputs.BucketArn?.Value).toEqual({ "Fn::GetAtt": ["Bucket", "Arn"] });
    expect(outputs.BucketName?.Export?.Name).toBe("alert-engine-prod-BucketName");
  });
});

describe("auth stack", () => {
  it.each(["dev", "stage", "prod"] as const)("%s user pool signs in by email with a strong password policy, invite-only", (name) => {
    const pool = props(auth(name), "UserPool");
    expect(pool.UsernameAttributes).toEqual(["email"]);
    expect(pool.AutoVerifiedAttributes).toEqual(["email"]);
    expect(pool.Policies.PasswordPolicy).toMatchObject({ MinimumLength: 12, RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: true });
    expect(pool.Policies.PasswordPolicy.TemporaryPasswordValidityDays).toBeGreaterThan(0);
    expect(pool.AdminCreateUserConfig).toEqual({ AllowAdminCreateUserOnly: true });
    expect(pool.AccountRecoverySetting).toEqual({ RecoveryMechanisms: [{ Name: "verified_email", Priority: 1 }] });
    expect(pool.UserPoolTags).toEqual({ Project: "alert-engine", Environment: name });
  });

  it.each([
    ["dev", "INACTIVE", "Delete"],
    ["stage", "INACTIVE", "Delete"],
    ["prod", "ACTIVE", "Retain"],
  ] as const)("%s user pool deletion protection is %s and its policies %s", (name, protection, policy) => {
    const pool = resource(auth(name), "UserPool");
    expect(pool.Properties?.DeletionProtection).toBe(protection);
    expect(pool.DeletionPolicy).toBe(policy);
    expect(pool.UpdateReplacePolicy).toBe(policy);
  });

  it("has a secretless SRP client, with the server's admin sign-in, and revocable, bounded tokens", () => {
    const client = props(auth("dev"), "UserPoolClient");
    expect(client.UserPoolId).toEqual({ Ref: "UserPool" });
    expect(client.GenerateSecret).toBe(false);
    expect(client.ExplicitAuthFlows).toEqual(["ALLOW_USER_SRP_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]);
    expect(client.PreventUserExistenceErrors).toBe("ENABLED");
    expect(client.EnableTokenRevocation).toBe(true);
    expect(client).toMatchObject({ AccessTokenValidity: 60, IdTokenValidity: 60, RefreshTokenValidity: 30 });
    expect(client.TokenValidityUnits).toEqual({ AccessToken: "minutes", IdToken: "minutes", RefreshToken: "days" });
  });

  it("identity pool trusts only the pool client and admits no guests", () => {
    const pool = props(auth("stage"), "IdentityPool");
    expect(pool.AllowUnauthenticatedIdentities).toBe(false);
    expect(pool.CognitoIdentityProviders).toEqual([
      { ClientId: { Ref: "UserPoolClient" }, ProviderName: { "Fn::GetAtt": ["UserPool", "ProviderName"] }, ServerSideTokenCheck: true },
    ]);
    expect(pool.IdentityPoolName).toMatch(/^[\w ]+$/);
  });

  it.each([
    ["AuthenticatedRole", "authenticated"],
    ["UnauthenticatedRole", "unauthenticated"],
  ] as const)("%s can be assumed only by %s identities of this identity pool", (id, amr) => {
    const role = props(auth("prod"), id);
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Federated: "cognito-identity.amazonaws.com" },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: { "cognito-identity.amazonaws.com:aud": { Ref: "IdentityPool" } },
          "ForAnyValue:StringLike": { "cognito-identity.amazonaws.com:amr": amr },
        },
      },
    ]);
    expect(role.Tags).toEqual([{ Key: "Project", Value: "alert-engine" }, { Key: "Environment", Value: "prod" }]);
  });

  it("grants the identity pool roles no permissions", () => {
    const template = auth("prod");
    expect(props(template, "AuthenticatedRole").Policies).toBeUndefined();
    expect(props(template, "AuthenticatedRole").ManagedPolicyArns).toBeUndefined();
    expect(props(template, "UnauthenticatedRole").Policies).toBeUndefined();
    expect(props(template, "UnauthenticatedRole").ManagedPolicyArns).toEqual([{ "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AWSDenyAll" }]);
  });

  it("attaches both roles to the identity pool", () => {
    expect(props(auth("dev"), "IdentityPoolRoleAttachment")).toEqual({
      IdentityPoolId: { Ref: "IdentityPool" },
      Roles: { authenticated: { "Fn::GetAtt": ["AuthenticatedRole", "Arn"] }, unauthenticated: { "Fn::GetAtt": ["UnauthenticatedRole", "Arn"] } },
    });
  });

  it("declares the user pool stateful and exports what the backend and clients need", () => {
    expect(authStack.statefulResources).toEqual(["UserPool"]);
    expect(Object.keys(auth("dev").Outputs ?? {})).toEqual(["UserPoolId", "UserPoolArn", "UserPoolClientId", "IdentityPoolId", "AuthenticatedRoleArn"]);
  });
});

describe("domain stack", () => {
  it("declares its inputs from preflight context and the backend stack", () => {
    expect(domainStack.inputs).toEqual({
      HostedZoneId: { from: "context", output: "HostedZoneId", type: "String" },
      LoadBalancerDnsName: { from: "backend", output: "LoadBalancerDnsName", type: "String" },
      LoadBalancerHostedZoneId: { from: "backend", output: "LoadBalancerCanonicalHostedZoneId", type: "String" },
    });
    expect(Object.keys(domain("dev").Parameters ?? {})).toEqual(["HostedZoneId", "LoadBalancerDnsName", "LoadBalancerHostedZoneId"]);
  });

  it.each(["dev", "stage", "prod"] as const)("%s aliases A and AAAA for its own API domain to the load balancer", (name) => {
    const template = domain(name);
    const records = Object.values(template.Resources).filter((r) => r.Type === "AWS::Route53::RecordSet");
    expect(records.map((r) => r.Properties?.Type).sort()).toEqual(["A", "AAAA"]);
    for (const record of records) {
      expect(record.Properties).toMatchObject({
        HostedZoneId: { Ref: "HostedZoneId" },
        Name: API_DOMAINS[name],
        // The ALB's "dualstack." name: the bare DNSName answers no AAAA queries even once the ALB is
        // dualstack, so an AAAA alias to it could never serve IPv6 (Route 53 console and CDK prepend it too).
        AliasTarget: {
          DNSName: { "Fn::Join": ["", ["dualstack.", { Ref: "LoadBalancerDnsName" }]] },
          HostedZoneId: { Ref: "LoadBalancerHostedZoneId" },
          EvaluateTargetHealth: true,
        },
      });
    }
    expect(template.Outputs?.ApiDomainName?.Value).toBe(API_DOMAINS[name]);
    expect(template.Outputs?.ApiUrl?.Value).toBe(`https://${API_DOMAINS[name]}`);
  });
});
