/**
 * `deploy <env> --hotswap` through the CLI against the fake cloud, whose ECS keeps the services and task
 * definitions CloudFormation made and rolls deployments out over its virtual clock.
 */
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand, type ECSClient } from "@aws-sdk/client-ecs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cliHarness, writeConfig, type Cli } from "./support/cli-harness.js";
import { deployHarness, FAST_RETRY, type Harness } from "./support/deploy-harness.js";
import { CloudFormationApi } from "../src/aws/cloudformation.js";

const CLUSTER = "alert-engine-cluster-dev";
const SERVICE = "alert-engine-backend-dev";

async function service(h: Harness) {
  const ecs = h.clients.ecs as ECSClient;
  const found = (await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [SERVICE] }))).services?.[0];
  return found!;
}
async function runningImage(h: Harness): Promise<string> {
  const ecs = h.clients.ecs as ECSClient;
  const td = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: (await service(h)).taskDefinition! }))).taskDefinition!;
  return td.containerDefinitions!.find((c) => c.name === "mcp-server")!.image!;
}
/** The digest of the image a tag names (pushed by the test through the fake ECR). */
const digests = new Map<string, string>();
const digestOf = (_h: Harness, tag: string) => digests.get(tag)!;
const push = (h: Harness, tag: string) => void digests.set(tag, h.cloud.putImage("alert-engine-dev", tag).digest);
const stackOutputs = async (h: Harness) => (await new CloudFormationApi(h.clients.cloudformation, FAST_RETRY).describeStack("alert-engine-backend-dev"))!.outputs;

describe("deploy --hotswap", () => {
  let h: Harness;
  let cli: Cli;
  afterEach(() => {
    h.cloud.restore();
    vi.restoreAllMocks();
  });

  async function deployedDev() {
    h = deployHarness();
    push(h, "latest");
    cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "dev"])).toBe(0);
  }

  it("moves the service to a new revision with the new image, keeps its deployment settings, and is done only once the rollout COMPLETED", async () => {
    await deployedDev();
    const before = await service(h);
    push(h, "v2");
    const changeSets = h.cloud.callsOf("CreateChangeSet").length;
    expect(await cli.run(["deploy", "dev", "--hotswap", "--image-tag", "v2"])).toBe(0);

    expect(h.cloud.callsOf("CreateChangeSet").length).toBe(changeSets);
    const updates = h.cloud.callsOf("UpdateService");
    expect(updates.map((c) => Object.keys(c.input as object).sort())).toEqual([["cluster", "service", "taskDefinition"]]);
    const after = await service(h);
    expect(after.taskDefinition).not.toBe(before.taskDefinition);
    expect(await runningImage(h)).toMatch(new RegExp(`/alert-engine-dev@${digestOf(h, "v2")}$`));
    expect(after.deploymentConfiguration).toEqual(before.deploymentConfiguration);
    // Reported done only after ECS had: the deployment it made is PRIMARY and COMPLETED with every task running.
    const primary = after.deployments!.find((d) => d.status === "PRIMARY")!;
    expect(primary).toMatchObject({ taskDefinition: after.taskDefinition, rolloutState: "COMPLETED", runningCount: after.desiredCount });
    expect(after.deployments).toHaveLength(1);
    const digest = digestOf(h, "v2").slice(0, "sha256:".length + 12);
    expect(cli.lastOutput()).toMatch(new RegExp(`^  backend\\s+hotswapped  image v2 \\(${digest}\\)  \\S+$`, "m"));
    expect(cli.lastOutput()).toMatch(/^  network\s+no changes/m);
    // Followed for real: the rollout's counts as ECS reported them, in progress, then COMPLETED.
    expect(cli.lastOutput()).toMatch(/ backend +service 0\/1 running, 1 pending, rollout IN_PROGRESS, /);
    expect(cli.lastOutput()).toMatch(/ backend +service 1\/1 running, rollout COMPLETED, \S+$/m);
  });

  it("twice in a row: the second builds on the first's revision", async () => {
    await deployedDev();
    push(h, "v2");
    expect(await cli.run(["deploy", "dev", "--hotswap", "--image-tag", "v2"])).toBe(0);
    const first = (await service(h)).taskDefinition!;
    push(h, "v3");
    expect(await cli.run(["deploy", "dev", "--hotswap", "--image-tag", "v3"])).toBe(0);
    const second = (await service(h)).taskDefinition!;
    expect(Number(second.split(":").pop())).toBe(Number(first.split(":").pop()) + 1);
    expect(await runningImage(h)).toContain(digestOf(h, "v3"));
  });

  it("a plain variable changes the same way, without CloudFormation", async () => {
    await deployedDev();
    const info = cliHarness(h, writeConfig(h.cloud.account, { dev: { logLevel: "INFO" } }));
    const changeSets = h.cloud.callsOf("CreateChangeSet").length;
    expect(await info.run(["deploy", "dev", "--hotswap"])).toBe(0);
    expect(h.cloud.callsOf("CreateChangeSet").length).toBe(changeSets);
    const ecs = h.clients.ecs as ECSClient;
    const td = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: (await service(h)).taskDefinition! }))).taskDefinition!;
    expect(td.containerDefinitions![0]!.environment).toContainEqual({ name: "LOG_LEVEL", value: "INFO" });
    expect(info.lastOutput()).toMatch(/^  backend\s+hotswapped  variables LOG_LEVEL  /m);
  });

  it("drift is shown by status, and the next deploy takes the stack to the image through a change set; the one after is a no-op", async () => {
    await deployedDev();
    push(h, "v2");
    expect(await cli.run(["deploy", "dev", "--hotswap", "--image-tag", "v2"])).toBe(0);
    expect(await cli.run(["status", "dev"])).toBe(0);
    const v1 = digestOf(h, "latest").slice(0, "sha256:".length + 12);
    const v2 = digestOf(h, "v2").slice(0, "sha256:".length + 12);
    expect(cli.lastOutput()).toMatch(new RegExp(`backend: service runs image alert-engine-dev@${v2} \\(hotswapped at \\S+\\) — CloudFormation has alert-engine-dev@${v1}; the next deploy restores it`));

    expect(await cli.run(["deploy", "dev", "--image-tag", "v2"])).toBe(0);
    expect(cli.lastOutput()).toMatch(/^  backend\s+updated in/m);
    expect((await service(h)).taskDefinition).toBe((await stackOutputs(h)).TaskDefinitionArn);
    expect(await cli.run(["status", "dev"])).toBe(0);
    expect(cli.lastOutput()).not.toMatch(/hotswapped at/);
    const updates = h.cloud.callsOf("UpdateService").length;
    expect(await cli.run(["deploy", "dev", "--image-tag", "v2"])).toBe(0);
    expect(cli.lastOutput()).toMatch(/^dev: no changes in/m);
    expect(h.cloud.callsOf("UpdateService").length).toBe(updates);
  });

  it("a deploy back to the image CloudFormation has (no change set to make) still puts the service back on the stack's revision", async () => {
    await deployedDev();
    push(h, "v2");
    expect(await cli.run(["deploy", "dev", "--hotswap", "--image-tag", "v2"])).toBe(0);
    const changeSets = h.cloud.callsOf("CreateChangeSet").length;
    expect(await cli.run(["deploy", "dev"])).toBe(0);
    expect(h.cloud.callsOf("CreateChangeSet").length).toBe(changeSets);
    expect(cli.lastOutput()).toMatch(/service ran the hotswapped alert-engine-backend-dev:\d+: put back on the stack's alert-engine-backend-dev:\d+/);
    expect((await service(h)).taskDefinition).toBe((await stackOutputs(h)).TaskDefinitionArn);
    expect(await runningImage(h)).toContain(digestOf(h, "latest"));
    const updates = h.cloud.callsOf("UpdateService").length;
    expect(await cli.run(["deploy", "dev"])).toBe(0);
    expect(cli.lastOutput()).toMatch(/^dev: no changes in/m);
    expect(h.cloud.callsOf("UpdateService").length).toBe(updates);
  });

  it("in prod (retains data) a service moved outside CloudFormation is reported, not moved back unreviewed", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-prod", "latest");
    cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "prod", "--yes"])).toBe(0);
    // Someone on call moved the service to another revision by hand (e.g. an incident rollback).
    const ecs = h.clients.ecs as ECSClient;
    const cluster = "alert-engine-cluster-prod";
    const name = "alert-engine-backend-prod";
    const current = (await ecs.send(new DescribeServicesCommand({ cluster, services: [name] }))).services![0]!.taskDefinition!;
    const definition = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: current }))).taskDefinition!;
    const byHand = (
      await ecs.send(new RegisterTaskDefinitionCommand({ family: definition.family!, containerDefinitions: definition.containerDefinitions!, cpu: definition.cpu, memory: definition.memory, networkMode: definition.networkMode, requiresCompatibilities: definition.requiresCompatibilities, executionRoleArn: definition.executionRoleArn, taskRoleArn: definition.taskRoleArn }))
    ).taskDefinition!.taskDefinitionArn!;
    await ecs.send(new UpdateServiceCommand({ cluster, service: name, taskDefinition: byHand }));
    const updates = h.cloud.callsOf("UpdateService").length;

    expect(await cli.run(["deploy", "prod", "--yes"])).toBe(0);
    expect(h.cloud.callsOf("UpdateService").length).toBe(updates);
    expect((await ecs.send(new DescribeServicesCommand({ cluster, services: [name] }))).services![0]!.taskDefinition).toBe(byHand);
    expect(cli.lastOutput()).toMatch(/service runs alert-engine-backend-prod:\d+, not the stack's alert-engine-backend-prod:\d+ \(changed outside CloudFormation\): not moved back in prod, which retains data/);
    expect(cli.lastOutput()).toMatch(/changeset prod --drift/);
  });

  it("--hotswap-fallback hotswaps the backend and deploys the rest through change sets", async () => {
    await deployedDev();
    push(h, "v2");
    // Versioning on: a storage template change only CloudFormation can make.
    const versioned = cliHarness(h, writeConfig(h.cloud.account, { dev: { bucketVersioning: true } }));
    expect(await versioned.run(["deploy", "dev", "--hotswap", "--image-tag", "v2"])).toBe(2);
    expect(await versioned.run(["deploy", "dev", "--hotswap-fallback", "--image-tag", "v2"])).toBe(0);
    const out = versioned.lastOutput();
    expect(out).toMatch(/^  storage\s+updated in/m);
    expect(out).toMatch(/^  backend\s+hotswapped  image v2/m);
    expect(h.cloud.callsOf("ExecuteChangeSet").map((c) => (c.input as { StackName: string }).StackName).filter((s) => s.includes("backend")).length).toBe(1); // only the first deploy's
    expect(await runningImage(h)).toContain(digestOf(h, "v2"));
  });

  it.each([
    ["registering a new revision", 0],
    ["updating service", 1],
  ])("Ctrl-C before %s stops it: exit 130, the service untouched", async (line, registered) => {
    await deployedDev();
    push(h, "v2");
    const before = (await service(h)).taskDefinition;
    const registrations = h.cloud.callsOf("RegisterTaskDefinition").length;
    const updates = h.cloud.callsOf("UpdateService").length;
    const ctrlC = new AbortController();
    const log = (text: string) => {
      cli.lines.push(text);
      if (text.includes(line)) ctrlC.abort();
    };
    expect(await cli.run(["deploy", "dev", "--hotswap", "--image-tag", "v2"], { signal: ctrlC.signal, log })).toBe(130);
    expect(h.cloud.callsOf("RegisterTaskDefinition").length - registrations).toBe(registered);
    expect(h.cloud.callsOf("UpdateService").length).toBe(updates);
    expect((await service(h)).taskDefinition).toBe(before);
  });

  it("a rollout the circuit breaker fails: exit 1 with the container's exit code and stopped reason, and the logs command", async () => {
    h = deployHarness();
    push(h, "latest");
    const config = writeConfig(h.cloud.account, { dev: { circuitBreaker: true } });
    cli = cliHarness(h, config);
    expect(await cli.run(["deploy", "dev"])).toBe(0);
    push(h, "v2");
    h.cloud.imageTrouble(digestOf(h, "v2"), { stoppedReason: "Essential container in task exited", exitCode: 3 });
    expect(await cli.run(["deploy", "dev", "--hotswap", "--image-tag", "v2"])).toBe(1);
    const out = cli.lastOutput();
    expect(out).toMatch(/^backend failed: ECS rollout of alert-engine-backend-dev:2 — the rollout failed: ECS deployment circuit breaker/m);
    expect(out).toMatch(/Essential container in task exited/);
    expect(out).toMatch(/exit(?: code)? 3\b/);
    expect(out).toMatch(new RegExp(`^  next\\s+npm run orchestrate -- logs dev --since 1h --config ${config.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m"));
    expect(out).not.toMatch(/^  backend\s+hotswapped/m);
  });

  it("a rollout that never settles (no circuit breaker in dev) stops waiting at --rollout-timeout: exit 1 with what ECS saw", async () => {
    await deployedDev();
    push(h, "v2");
    h.cloud.imageTrouble(digestOf(h, "v2"), { stoppedReason: "Essential container in task exited", exitCode: 137 });
    const started = h.cloud.clock.now();
    expect(await cli.run(["deploy", "dev", "--hotswap", "--image-tag", "v2", "--rollout-timeout", "3m"])).toBe(1);
    expect(h.cloud.clock.now() - started).toBeLessThan(4 * 60_000);
    const out = cli.lastOutput();
    expect(out).toMatch(/^backend failed: the ECS rollout to alert-engine-backend-dev:\d+ did not complete within 3m00s \(--rollout-timeout\)/m);
    expect(out).toMatch(/exit(?: code)? 137\b/);
    expect(out).toMatch(/^  next\s+npm run orchestrate -- logs dev /m);
  });

  it("status still answers when ECS cannot be read: it says the service could not be compared", async () => {
    await deployedDev();
    push(h, "v2");
    expect(await cli.run(["deploy", "dev", "--hotswap", "--image-tag", "v2"])).toBe(0);
    h.cloud.mocks.ECS.on(DescribeTaskDefinitionCommand).rejects(Object.assign(new Error("User is not authorized to perform: ecs:DescribeTaskDefinition"), { name: "AccessDeniedException" }));
    expect(await cli.run(["status", "dev"])).toBe(0);
    expect(cli.lastOutput()).toMatch(/backend: could not compare the service with the stack \(User is not authorized to perform: ecs:DescribeTaskDefinition\)/);
    expect(cli.lastOutput()).toMatch(/alert-engine-domain-dev\s+CREATE_COMPLETE/);
  });

  it("--hotswap-fallback sends a backend with a difference only CloudFormation can make through its change set, image and all", async () => {
    await deployedDev();
    push(h, "v2");
    const twoTasks = cliHarness(h, writeConfig(h.cloud.account, { dev: { desiredTasks: 2, maxTasks: 2 } }));
    const registrations = h.cloud.callsOf("RegisterTaskDefinition").length;
    expect(await twoTasks.run(["deploy", "dev", "--hotswap-fallback", "--image-tag", "v2"])).toBe(0);
    expect(twoTasks.lastOutput()).toMatch(/^  backend\s+updated in/m);
    expect(h.cloud.callsOf("RegisterTaskDefinition").length).toBe(registrations);
    expect((await service(h)).taskDefinition).toBe((await stackOutputs(h)).TaskDefinitionArn);
    expect(await runningImage(h)).toContain(digestOf(h, "v2"));
  });
});
