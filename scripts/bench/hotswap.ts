/**
 * An image-only change, three ways, in virtual time against the fake cloud with realistic latencies (ECS
 * task start, the target group's health checks, draining): (a) the whole CLI deploy through a change set,
 * (b) the whole CLI `deploy --hotswap`, (c) the floor: the ECS rollout alone, from UpdateService to the
 * deployment's COMPLETED, as the fake's ECS timed it during (b).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeServicesCommand, type ECSClient } from "@aws-sdk/client-ecs";
import { main } from "../../src/cli/program.js";
import { deployHarness, FAST_RETRY, type Harness } from "../../test/support/deploy-harness.js";
import { BENCH_CLOUD } from "./deploys.js";
import { ratio, seconds, type Section } from "./table.js";

const REPOSITORY = "alert-engine-dev";

function configFile(account: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "bench-hotswap-")), "orchestrate.config.yaml");
  writeFileSync(file, `dev:\n  account: "${account}"\n  secretsArn: arn:aws:secretsmanager:us-east-2:${account}:secret:alert-engine/dev-AbCdEf\n`);
  return file;
}

/** One whole CLI run in the fake's virtual time; its wall time is what a user would wait. */
async function cli(h: Harness, config: string, argv: string[]): Promise<number> {
  const started = h.cloud.clock.now();
  const lines: string[] = [];
  const code = await main([...argv, "--config", config], {
    clients: h.clients,
    clock: h.cloud.clock,
    retry: FAST_RETRY,
    interactive: false,
    log: (line) => lines.push(line),
    ask: async () => "",
    signal: new AbortController().signal,
  });
  if (code !== 0) throw new Error(`orchestrate ${argv.join(" ")} exited ${code}, so its figure would mean nothing:\n${lines.slice(-15).join("\n")}`);
  return h.cloud.clock.now() - started;
}

export async function measureHotswap(): Promise<Section> {
  const h = deployHarness(BENCH_CLOUD);
  try {
    const config = configFile(h.cloud.account);
    h.cloud.putImage(REPOSITORY, "latest");
    await cli(h, config, ["deploy", "dev"]);
    h.cloud.putImage(REPOSITORY, "v2");
    const changeSetMs = await cli(h, config, ["deploy", "dev", "--image-tag", "v2"]);
    h.cloud.putImage(REPOSITORY, "v3");
    const hotswapMs = await cli(h, config, ["deploy", "dev", "--hotswap", "--image-tag", "v3"]);
    const floorMs = await rolloutTime(h);
    return {
      title: "6. Image-only change of dev (virtual time: what a user would wait)",
      rows: [
        { figure: "(a) through a change set (deploy --image-tag)", measured: seconds(changeSetMs), goal: "", pass: undefined },
        { figure: "(b) deploy --hotswap", measured: seconds(hotswapMs), goal: "", pass: undefined },
        { figure: "(c) floor: the ECS rollout alone (UpdateService → COMPLETED)", measured: seconds(floorMs), goal: "", pass: undefined },
        { figure: "(b) / (a)", measured: ratio(hotswapMs / changeSetMs), goal: "≤ 0.33", pass: hotswapMs / changeSetMs <= 1 / 3 },
        { figure: "(b) − (c): what the orchestrator adds to ECS", measured: seconds(hotswapMs - floorMs), goal: "≤ 5 s", pass: hotswapMs - floorMs <= 5_000 },
      ],
      notes: [
        "each is the whole CLI run (preflight and every safety check included), the fake's ECS with its default task start and the target group's health check and draining",
        "(a) contains the same ECS rollout as (c): CloudFormation waits for the service to stabilise; so (b) can only be ⅓ of (a) where the rollout itself is under about a third of it",
      ],
    };
  } finally {
    h.cloud.restore();
  }
}

/** The hotswap's deployment as ECS recorded it: created by UpdateService, updated last when it COMPLETED. */
async function rolloutTime(h: Harness): Promise<number> {
  const found = await (h.clients.ecs as ECSClient).send(new DescribeServicesCommand({ cluster: "alert-engine-cluster-dev", services: ["alert-engine-backend-dev"] }));
  const primary = found.services?.[0]?.deployments?.find((d) => d.status === "PRIMARY");
  if (!primary?.createdAt || !primary.updatedAt || primary.rolloutState !== "COMPLETED") throw new Error("the hotswap's deployment is not COMPLETED, so the floor cannot be read");
  return primary.updatedAt.getTime() - primary.createdAt.getTime();
}
