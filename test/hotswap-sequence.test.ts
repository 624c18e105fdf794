/**
 * Hotswaps in a row build on the running revision, which an earlier hotswap made: whatever that one changed and
 * this one's desired state no longer has (a variable set back, the image tag back) must not be carried over.
 * The service ends on exactly what a deploy of the desired config and image would run.
 */
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, type ECSClient } from "@aws-sdk/client-ecs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cliHarness, writeConfig, type Cli } from "./support/cli-harness.js";
import { deployHarness, type Harness } from "./support/deploy-harness.js";

const CLUSTER = "alert-engine-cluster-dev";
const SERVICE = "alert-engine-backend-dev";

describe("deploy --hotswap after an earlier hotswap", () => {
  let h: Harness;
  let cli: Cli;
  const digests = new Map<string, string>();
  const push = (tag: string) => void digests.set(tag, h.cloud.putImage("alert-engine-dev", tag).digest);
  afterEach(() => {
    h.cloud.restore();
    vi.restoreAllMocks();
  });

  async function runningApp() {
    const ecs = h.clients.ecs as ECSClient;
    const arn = (await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [SERVICE] }))).services![0]!.taskDefinition!;
    const td = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }))).taskDefinition!;
    return td.containerDefinitions!.find((c) => c.name === "mcp-server")!;
  }
  const logLevel = async () => (await runningApp()).environment!.find((v) => v.name === "LOG_LEVEL")?.value;

  async function deployedDev() {
    h = deployHarness();
    push("latest");
    cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "dev"])).toBe(0);
  }

  it("a variable an earlier hotswap changed, set back in the config, is set back by the next hotswap of a new image", async () => {
    await deployedDev();
    const original = await logLevel();
    const other = original === "INFO" ? "WARN" : "INFO";
    const changed = cliHarness(h, writeConfig(h.cloud.account, { dev: { logLevel: other } }));
    expect(await changed.run(["deploy", "dev", "--hotswap"])).toBe(0);
    expect(await logLevel()).toBe(other);

    push("v2");
    expect(await cli.run(["deploy", "dev", "--hotswap", "--image-tag", "v2"])).toBe(0);
    expect((await runningApp()).image).toContain(digests.get("v2")!);
    expect(await logLevel()).toBe(original);
  });

  it("the image tag set back to the stack's, with a variable changed, runs the stack's image, not the earlier hotswap's", async () => {
    await deployedDev();
    push("v2");
    expect(await cli.run(["deploy", "dev", "--hotswap", "--image-tag", "v2"])).toBe(0);
    expect((await runningApp()).image).toContain(digests.get("v2")!);

    const original = await logLevel();
    const other = original === "INFO" ? "WARN" : "INFO";
    const changed = cliHarness(h, writeConfig(h.cloud.account, { dev: { logLevel: other } }));
    expect(await changed.run(["deploy", "dev", "--hotswap", "--image-tag", "latest"])).toBe(0);
    expect(await logLevel()).toBe(other);
    expect((await runningApp()).image).toContain(digests.get("latest")!);
  });
});

describe("deploy --hotswap run again with nothing new", () => {
  let h: Harness;
  afterEach(() => {
    h.cloud.restore();
    vi.restoreAllMocks();
  });

  it("the service already runs that image and those values: no new revision, no rollout, said in the summary", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "dev"])).toBe(0);
    h.cloud.putImage("alert-engine-dev", "v2");
    expect(await cli.run(["deploy", "dev", "--hotswap", "--image-tag", "v2"])).toBe(0);
    const registrations = h.cloud.callsOf("RegisterTaskDefinition").length;
    const updates = h.cloud.callsOf("UpdateService").length;

    expect(await cli.run(["deploy", "dev", "--hotswap", "--image-tag", "v2"])).toBe(0);
    expect(h.cloud.callsOf("RegisterTaskDefinition").length).toBe(registrations);
    expect(h.cloud.callsOf("UpdateService").length).toBe(updates);
    expect(cli.lastOutput()).toMatch(/^  backend\s+hotswapped  already running image v2 \(sha256:[0-9a-f]{12}\)/m);
  });

  it("run again while that revision keeps crashing: no new revision, and still a failure (exit 1) with the cause, never an early success", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "dev"])).toBe(0);
    const bad = h.cloud.putImage("alert-engine-dev", "v2").digest;
    h.cloud.imageTrouble(bad, { stoppedReason: "Essential container in task exited", exitCode: 3 });
    expect(await cli.run(["deploy", "dev", "--hotswap", "--image-tag", "v2", "--rollout-timeout", "2m"])).toBe(1);
    const registrations = h.cloud.callsOf("RegisterTaskDefinition").length;

    expect(await cli.run(["deploy", "dev", "--hotswap", "--image-tag", "v2", "--rollout-timeout", "2m"])).toBe(1);
    expect(h.cloud.callsOf("RegisterTaskDefinition").length).toBe(registrations);
    expect(cli.lastOutput()).toMatch(/did not complete within 2m00s \(--rollout-timeout\)/);
    expect(cli.lastOutput()).toMatch(/exit(?: code)? 3\b/);
  });
});
