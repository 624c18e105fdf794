/**
 * `deploy dev --build DIR --hotswap`: the inner loop in one command. A stand-in `docker` records its calls;
 * the image it "pushes" is put into the fake ECR by the test, as a real push would.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, type ECSClient } from "@aws-sdk/client-ecs";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cliHarness, writeConfig, type Cli } from "./support/cli-harness.js";
import { deployHarness, type Harness } from "./support/deploy-harness.js";

const STAND_IN = `#!/bin/sh
printf 'argv: %s\\n' "$*" >> "$(dirname "$0")/docker.log"
`;

describe("deploy --build DIR --hotswap", () => {
  let h: Harness;
  let cli: Cli;
  let bin: string;
  let app: string;
  let originalPath: string | undefined;
  const dockerCalls = () => (existsSync(join(bin, "docker.log")) ? readFileSync(join(bin, "docker.log"), "utf8").trim().split("\n") : []);

  beforeEach(async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "dev"])).toBe(0);
    bin = mkdtempSync(join(tmpdir(), "docker-standin-"));
    writeFileSync(join(bin, "docker"), STAND_IN);
    chmodSync(join(bin, "docker"), 0o755);
    originalPath = process.env.PATH;
    process.env.PATH = `${bin}:${originalPath}`;
    app = mkdtempSync(join(tmpdir(), "app-"));
    writeFileSync(join(app, "Dockerfile"), "FROM scratch\n");
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "init", "-q"], { cwd: app });
  });
  afterEach(() => {
    process.env.PATH = originalPath;
    h.cloud.restore();
    vi.restoreAllMocks();
  });

  it("builds, pushes and hotswaps in one command", async () => {
    const pushed = h.cloud.putImage("alert-engine-dev", "v2");
    expect(await cli.run(["deploy", "dev", "--build", app, "--image-tag", "v2", "--hotswap"])).toBe(0);
    expect(dockerCalls().some((c) => /^argv: build /.test(c))).toBe(true);
    expect(dockerCalls().some((c) => /^argv: push \S+alert-engine-dev:v2$/.test(c))).toBe(true);
    const ecs = h.clients.ecs as ECSClient;
    const running = (await ecs.send(new DescribeServicesCommand({ cluster: "alert-engine-cluster-dev", services: ["alert-engine-backend-dev"] }))).services![0]!.taskDefinition!;
    const image = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: running }))).taskDefinition!.containerDefinitions![0]!.image;
    expect(image).toMatch(new RegExp(`@${pushed.digest}$`));
    expect(cli.lastOutput()).toMatch(/^  backend\s+hotswapped  image v2 /m);
  });

  it("a difference only CloudFormation can make is refused before docker runs", async () => {
    const versioned = cliHarness(h, writeConfig(h.cloud.account, { dev: { bucketVersioning: true } }));
    expect(await versioned.run(["deploy", "dev", "--build", app, "--image-tag", "v2", "--hotswap"])).toBe(2);
    expect(versioned.lastOutput()).toMatch(/--hotswap refused: these differences need CloudFormation[^]*storage: template changed \(Resources\.Bucket\.Properties\.VersioningConfiguration\)/);
    expect(dockerCalls()).toEqual([]);
  });
});
