/**
 * Inputs that only some environments declare travel only to those environments' stacks: CloudFormation
 * refuses a parameter its template does not declare, and the fake cloud does too.
 */
import { afterEach, describe, expect, it } from "vitest";
import { stackName } from "../src/env/model.js";
import { deployHarness, type Harness } from "./support/deploy-harness.js";

describe("deploy: per-environment inputs against the fake cloud", () => {
  let h: Harness;
  afterEach(() => h.cloud.restore());

  it("stage's backend, whose tasks run in public subnets, is deployed without PrivateSubnetIds or a log bucket", async () => {
    h = deployHarness();
    const report = await h.deploy("stage");
    const env = h.environment("stage");
    expect(report.results.get("backend")).toMatchObject({ kind: "deployed", action: "create" });
    const backend = h.cloud.stack(stackName(env, "backend"))!;
    expect(Object.keys(backend.parameters)).not.toContain("PrivateSubnetIds");
    expect(Object.keys(backend.parameters)).not.toContain("AccessLogBucketName");
    const auth = h.cloud.stack(stackName(env, "auth"))!;
    expect(backend.parameters.IdentityPoolId).toBe(auth.outputs.IdentityPoolId);
  });

  it("prod's backend gets the private subnets, the database group and the access log bucket from their producers", async () => {
    h = deployHarness();
    const report = await h.deploy("prod");
    const env = h.environment("prod");
    expect(report.results.get("backend")).toMatchObject({ kind: "deployed", action: "create" });
    const backend = h.cloud.stack(stackName(env, "backend"))!;
    const network = h.cloud.stack(stackName(env, "network"))!;
    const storage = h.cloud.stack(stackName(env, "storage"))!;
    expect(backend.parameters.PrivateSubnetIds).toBe(network.outputs.PrivateSubnetIds);
    expect(backend.parameters.DatabaseSecurityGroupId).toBe(network.outputs.DatabaseSecurityGroupId);
    expect(network.outputs.DatabaseSecurityGroupId).toMatch(/^sg-/);
    expect(backend.parameters.AccessLogBucketName).toBe(storage.outputs.AccessLogBucketName);
    expect(storage.outputs.AccessLogBucketName).toBeTruthy();
  });
});
