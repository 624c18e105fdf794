/**
 * The heal of a service moved outside CloudFormation decides "retains data" as every other guard does: from the
 * seed's defaults AND the deployed stacks that protect data today (protection-guard.ts), not from the seed alone.
 */
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand, type ECSClient } from "@aws-sdk/client-ecs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cliHarness, writeConfig } from "./support/cli-harness.js";
import { deployHarness, type Harness } from "./support/deploy-harness.js";

describe("deploy: a service moved by hand where the deployed stacks retain data", () => {
  let h: Harness;
  afterEach(() => {
    h.cloud.restore();
    vi.restoreAllMocks();
  });

  it("stage deployed retaining its data: the moved service is reported with the review commands, not moved back unreviewed", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-stage", "latest");
    const cli = cliHarness(h, writeConfig(h.cloud.account, { stage: { retainData: true } }));
    expect(await cli.run(["deploy", "stage", "--yes"])).toBe(0);
    // Someone on call moved the service to another revision by hand (e.g. an incident rollback).
    const ecs = h.clients.ecs as ECSClient;
    const cluster = "alert-engine-cluster-stage";
    const name = "alert-engine-backend-stage";
    const current = (await ecs.send(new DescribeServicesCommand({ cluster, services: [name] }))).services![0]!.taskDefinition!;
    const { taskDefinitionArn: _a, revision: _r, status: _s, requiresAttributes: _q, compatibilities: _c, registeredAt: _t, registeredBy: _b, ...definition } = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: current }))).taskDefinition!;
    const byHand = (await ecs.send(new RegisterTaskDefinitionCommand(definition as never))).taskDefinition!.taskDefinitionArn!;
    await ecs.send(new UpdateServiceCommand({ cluster, service: name, taskDefinition: byHand }));
    const updates = h.cloud.callsOf("UpdateService").length;

    expect(await cli.run(["deploy", "stage", "--yes"])).toBe(0);
    expect(h.cloud.callsOf("UpdateService").length).toBe(updates);
    expect((await ecs.send(new DescribeServicesCommand({ cluster, services: [name] }))).services![0]!.taskDefinition).toBe(byHand);
    expect(cli.lastOutput()).toMatch(/not moved back in stage, which retains data/);
    expect(cli.lastOutput()).toMatch(/changeset stage --drift/);
  });
});
