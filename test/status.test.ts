import {
  DescribeStackDriftDetectionStatusCommand,
  DescribeStackResourceDriftsCommand,
  DetectStackDriftCommand,
} from "@aws-sdk/client-cloudformation";
import { describe, expect, it } from "vitest";
import { environmentFrom, freshCliEachTest, type Cli } from "./support/cli-harness.js";
import type { Harness } from "./support/deploy-harness.js";

describe("status: where an environment stands", () => {
  let h: Harness;
  let config: string;
  let cli: Cli;
  freshCliEachTest((world) => ({ h, config, cli } = world));

  it("lists each stack's state and last update, the certificate and the API URL, changing nothing", async () => {
    await h.deploy("dev", { env: environmentFrom(config, "dev") });
    const before = h.cloud.mutatingCalls().length;

    expect(await cli.run(["status", "dev"])).toBe(0);
    const out = cli.output();
    for (const id of ["network", "storage", "auth", "backend", "domain"]) {
      expect(out).toMatch(new RegExp(`alert-engine-${id}-dev\\s+CREATE_COMPLETE  last update 2025-01-01T\\d\\d:\\d\\d:\\d\\dZ`));
    }
    expect(out).toMatch(/certificate: ISSUED arn:aws:acm:us-east-2:/);
    expect(out).toContain("API: https://api.dev-alert-engine.totogicore.com");
    expect(out).not.toContain("drift");
    expect(h.cloud.mutatingCalls().length).toBe(before);
  });

  it("says what is not deployed yet", async () => {
    expect(await cli.run(["status", "stage", "--json"])).toBe(0);
    const status = JSON.parse(cli.lines.find((l) => l.trimStart().startsWith("{"))!);
    expect(status.stacks.map((s: { status: string }) => s.status)).toEqual(Array(5).fill("NOT_DEPLOYED"));
    expect(status).toMatchObject({ environment: "stage", expectedApiUrl: "https://api.stage-alert-engine.totogicore.com" });
    expect(status.apiUrl).toBeUndefined();
    expect(status.certificate).toMatch(/^none for api.stage-alert-engine.totogicore.com yet/);
  });

  it("reports drift when asked, naming the drifted resources", async () => {
    await h.deploy("dev", { env: environmentFrom(config, "dev") });
    const cfn = h.cloud.mocks.CloudFormation;
    cfn.on(DetectStackDriftCommand).callsFake((input: { StackName: string }) => ({ StackDriftDetectionId: `drift-${input.StackName}` }));
    cfn.on(DescribeStackDriftDetectionStatusCommand).callsFake((input: { StackDriftDetectionId: string }) => ({
      StackDriftDetectionId: input.StackDriftDetectionId,
      DetectionStatus: "DETECTION_COMPLETE",
      StackDriftStatus: input.StackDriftDetectionId.includes("backend") ? "DRIFTED" : "IN_SYNC",
    }));
    cfn.on(DescribeStackResourceDriftsCommand).resolves({
      StackResourceDrifts: [{ StackId: "x", LogicalResourceId: "TaskSecurityGroup", ResourceType: "AWS::EC2::SecurityGroup", StackResourceDriftStatus: "MODIFIED", Timestamp: new Date() }],
    });

    expect(await cli.run(["status", "dev", "--drift"])).toBe(0);
    const out = cli.output();
    expect(out).toMatch(/alert-engine-network-dev\s+CREATE_COMPLETE.*drift: IN_SYNC/);
    expect(out).toMatch(/alert-engine-backend-dev\s+CREATE_COMPLETE.*drift: DRIFTED \(TaskSecurityGroup MODIFIED\)/);
  });
});
