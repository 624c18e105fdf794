/**
 * `deploy --build DIR` pushes an image to ECR, which is a change: every refusal that needs no image
 * (lowered protection, another live deploy) is made before docker runs. Through the CLI, against the fake cloud.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateChangeSetCommand } from "@aws-sdk/client-cloudformation";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cliHarness, environmentFrom, writeConfig } from "./support/cli-harness.js";
import { deployHarness, type Harness } from "./support/deploy-harness.js";
import { synthesize } from "../src/templates/stack.js";
import { stackDefinition } from "../src/templates/index.js";

/** A `docker` that only records each call's argv. */
const STAND_IN = `#!/bin/sh
printf 'argv: %s\\n' "$*" >> "$(dirname "$0")/docker.log"
`;

describe("deploy --build: refusals come before the image is pushed", () => {
  let h: Harness;
  let bin: string;
  let app: string;
  let originalPath: string | undefined;
  const dockerCalls = () => (existsSync(join(bin, "docker.log")) ? readFileSync(join(bin, "docker.log"), "utf8").trim().split("\n") : []);

  beforeEach(() => {
    h = deployHarness();
    bin = mkdtempSync(join(tmpdir(), "docker-standin-"));
    writeFileSync(join(bin, "docker"), STAND_IN);
    chmodSync(join(bin, "docker"), 0o755);
    originalPath = process.env.PATH;
    process.env.PATH = `${bin}:${originalPath}`;
    app = mkdtempSync(join(tmpdir(), "app-"));
    writeFileSync(join(app, "Dockerfile"), "FROM scratch\n");
  });
  afterEach(() => {
    process.env.PATH = originalPath;
    h.cloud.restore();
    vi.restoreAllMocks();
  });

  it("lowered protection in prod: refused before docker logs in, builds or pushes; nothing changed", async () => {
    await h.deploy("prod", { env: environmentFrom(writeConfig(h.cloud.account), "prod") });
    const cli = cliHarness(h, writeConfig(h.cloud.account, { prod: { retainData: false } }));
    const before = h.cloud.mutatingCalls().length;
    expect(await cli.run(["deploy", "prod", "--yes", "--build", app, "--image-tag", "v2"])).toBe(2);
    expect(cli.output()).toMatch(/lowers the protection of prod's data/);
    expect(dockerCalls()).toEqual([]);
    expect(h.cloud.mutatingCalls().slice(before)).toEqual([]);
  });

  it("another deploy live on the environment: refused before docker runs", async () => {
    const config = writeConfig(h.cloud.account);
    await h.deploy("dev", { env: environmentFrom(config, "dev") });
    // Another run's change set, made a moment ago and not yet executed.
    const env = { ...environmentFrom(config, "dev"), logRetentionDays: 30 };
    await h.clients.cloudformation.send(
      new CreateChangeSetCommand({ StackName: "alert-engine-network-dev", ChangeSetName: "orchestrate-other", ChangeSetType: "UPDATE", TemplateBody: JSON.stringify(synthesize(stackDefinition("network"), env)), Description: "created by orchestrate deploy" }),
    );
    const cli = cliHarness(h, config);
    const before = h.cloud.mutatingCalls().length;
    expect(await cli.run(["deploy", "dev", "--build", app, "--image-tag", "v2"])).toBe(2);
    expect(cli.output()).toMatch(/another deploy of dev is running/);
    expect(dockerCalls()).toEqual([]);
    expect(h.cloud.mutatingCalls().slice(before)).toEqual([]);
  });
});
