/**
 * Two hotswaps of one environment at once. A hotswap makes no change set, so live-runs.ts cannot see it; the
 * service's own rollout can: while a rollout ECS reports IN_PROGRESS is making progress, a second hotswap would
 * replace it mid-way (the first run then fails with "replaced"), so it is refused before it changes anything.
 * A rollout that keeps failing (failedTasks > 0, a crash loop ECS would retry for ever without a circuit breaker)
 * may be replaced: that is how a developer ships the fix.
 */
import { DescribeServicesCommand, type ECSClient } from "@aws-sdk/client-ecs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cliHarness, writeConfig, type Cli } from "./support/cli-harness.js";
import { deployHarness, type Harness } from "./support/deploy-harness.js";

const CLUSTER = "alert-engine-cluster-dev";
const SERVICE = "alert-engine-backend-dev";

describe("deploy --hotswap while the service is already rolling out", () => {
  let h: Harness;
  let cli: Cli;
  const digests = new Map<string, string>();
  const push = (tag: string) => void digests.set(tag, h.cloud.putImage("alert-engine-dev", tag).digest);
  const service = async () => (await (h.clients.ecs as ECSClient).send(new DescribeServicesCommand({ cluster: CLUSTER, services: [SERVICE] }))).services![0]!;
  afterEach(() => {
    h.cloud.restore();
    vi.restoreAllMocks();
  });

  async function deployedDev() {
    h = deployHarness();
    push("latest");
    cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "dev"])).toBe(0);
  }

  it("a second hotswap started while the first's rollout is in progress is refused (exit 2) before any change; the first completes", async () => {
    await deployedDev();
    push("v2");
    push("v3");
    const updatesBefore = h.cloud.callsOf("UpdateService").length;
    const first = cli.run(["deploy", "dev", "--hotswap", "--image-tag", "v2"]);
    await h.cloud.answered("UpdateService", updatesBefore + 1);
    const registrations = h.cloud.callsOf("RegisterTaskDefinition").length;
    const second = await cli.run(["deploy", "dev", "--hotswap", "--image-tag", "v3"]);

    expect(second).toBe(2);
    expect(cli.output()).toMatch(/--hotswap refused: service alert-engine-backend-dev is rolling out alert-engine-backend-dev:\d+ \(rollout IN_PROGRESS, started \S+ ago\); nothing was changed/);
    expect(cli.output()).toMatch(/Wait for it to finish \(npm run orchestrate -- status dev --config \S+\), then run again/);
    expect(h.cloud.callsOf("RegisterTaskDefinition").length).toBe(registrations);
    expect(h.cloud.callsOf("UpdateService").length).toBe(updatesBefore + 1);
    expect(await first).toBe(0);
    const after = await service();
    expect(after.deployments).toHaveLength(1);
    expect(after.deployments![0]).toMatchObject({ rolloutState: "COMPLETED" });
  });

  it("a rollout that keeps failing (a crash loop without a circuit breaker) is replaced by the hotswap of the fix", async () => {
    await deployedDev();
    push("v2");
    h.cloud.imageTrouble(digests.get("v2")!, { stoppedReason: "Essential container in task exited", exitCode: 1 });
    expect(await cli.run(["deploy", "dev", "--hotswap", "--image-tag", "v2", "--rollout-timeout", "2m"])).toBe(1);
    expect((await service()).deployments!.find((d) => d.status === "PRIMARY")).toMatchObject({ rolloutState: "IN_PROGRESS" });
    push("v3");
    expect(await cli.run(["deploy", "dev", "--hotswap", "--image-tag", "v3"])).toBe(0);
    expect((await service()).deployments!.find((d) => d.status === "PRIMARY")).toMatchObject({ rolloutState: "COMPLETED" });
  });
});

describe("deploy (no hotswap) while another run's hotswap is rolling out", () => {
  let h: Harness;
  afterEach(() => {
    h.cloud.restore();
    vi.restoreAllMocks();
  });

  it("does not move the service back mid-rollout: it says so, and the hotswap completes", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "dev"])).toBe(0);
    h.cloud.putImage("alert-engine-dev", "v2");
    const updatesBefore = h.cloud.callsOf("UpdateService").length;
    const hotswap = cli.run(["deploy", "dev", "--hotswap", "--image-tag", "v2"]);
    await h.cloud.answered("UpdateService", updatesBefore + 1);

    expect(await cli.run(["deploy", "dev"])).toBe(0);
    expect(h.cloud.callsOf("UpdateService").length).toBe(updatesBefore + 1);
    expect(cli.output()).toMatch(/service alert-engine-backend-dev is rolling out alert-engine-backend-dev:\d+ \(rollout IN_PROGRESS, started \S+ ago\): not moved back to the stack's alert-engine-backend-dev:\d+ mid-way; run the deploy again once it has finished/);
    expect(await hotswap).toBe(0);
  });
});
