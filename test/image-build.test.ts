import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createClients, type AwsClients } from "../src/aws/clients.js";
import { EcrApi } from "../src/aws/ecr.js";
import { loadEnvironment } from "../src/env/load.js";
import type { Environment } from "../src/env/model.js";
import { UserInputError } from "../src/errors.js";
import { buildAndPush, spawnRunner } from "../src/orchestrator/deploy/image-build.js";
import { createFakeCloud, type FakeCloud } from "./support/fake-cloud.js";

const RETRY = { retries: 0, minTimeoutMs: 1, maxTimeoutMs: 1 };
const REGISTRY = "123456789012.dkr.ecr.us-east-2.amazonaws.com";
const URI = `${REGISTRY}/alert-engine-dev`;

/** A `docker` that records each call's argv (and, for login, its stdin) and fails when DOCKER_STANDIN_FAIL names the subcommand. */
const STAND_IN = `#!/bin/sh
log="$(dirname "$0")/docker.log"
printf 'argv: %s\\n' "$*" >> "$log"
if [ "$1" = "login" ]; then printf 'stdin: %s\\n' "$(cat)" >> "$log"; fi
if [ "$1" = "$DOCKER_STANDIN_FAIL" ]; then echo "Error response from daemon: $1 refused" >&2; exit 1; fi
echo "step 1/2 $1"
echo "step 2/2 done"
`;

let cloud: FakeCloud;
let clients: AwsClients;
let env: Environment;
let bin: string;
let app: string;
let originalPath: string | undefined;

const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: app, encoding: "utf8" }).trim();
const dockerLog = () => readFileSync(join(bin, "docker.log"), "utf8").trim().split("\n");

beforeEach(() => {
  cloud = createFakeCloud();
  clients = createClients({ region: "us-east-2" });
  env = loadEnvironment("dev", { vars: {}, cwd: "/nonexistent" });
  bin = mkdtempSync(join(tmpdir(), "docker-standin-"));
  writeFileSync(join(bin, "docker"), STAND_IN);
  chmodSync(join(bin, "docker"), 0o755);
  originalPath = process.env.PATH;
  process.env.PATH = `${bin}:${originalPath}`;
  app = mkdtempSync(join(tmpdir(), "app-"));
  writeFileSync(join(app, "Dockerfile"), "FROM scratch\n");
  git("init", "-q");
  git("add", ".");
  git("commit", "-q", "-m", "app");
});
afterEach(() => {
  cloud.restore();
  process.env.PATH = originalPath;
  delete process.env.DOCKER_STANDIN_FAIL;
});

describe("deploy --build: docker build and push", () => {
  it("logs in with the password on stdin, builds, pushes, tagged with the git short sha", async () => {
    cloud.putRepository("alert-engine-dev");
    const sha = git("rev-parse", "--short", "HEAD");
    const lines: string[] = [];
    const result = await buildAndPush({ env, clients, retry: RETRY, dir: app, run: spawnRunner, log: (l) => lines.push(l) });

    expect(result).toEqual({ tag: sha, repositoryUri: URI, imageUri: `${URI}:${sha}` });
    expect(dockerLog()).toEqual([
      `argv: login --username AWS --password-stdin ${REGISTRY}`,
      "stdin: fakepassword",
      `argv: build -t ${URI}:${sha} ${app}`,
      `argv: push ${URI}:${sha}`,
    ]);
    expect(lines).toContain(`docker build -t ${URI}:${sha} ${app}`);
    expect(lines).toContain("  step 2/2 done");
    expect(lines.join("\n")).not.toContain("fakepassword");
    expect(cloud.callsOf("GetAuthorizationToken")).toHaveLength(1);
  });

  it("uses --image-tag when given, and works outside a git checkout then", async () => {
    cloud.putRepository("alert-engine-dev");
    const plain = mkdtempSync(join(tmpdir(), "plain-"));
    const result = await buildAndPush({ repositoryUri: URI, ecr: new EcrApi(clients.ecr, RETRY), dir: plain, tag: "v1.2.3" });
    expect(result.imageUri).toBe(`${URI}:v1.2.3`);
    expect(dockerLog()).toContain(`argv: push ${URI}:v1.2.3`);
  });

  it("warns that uncommitted changes are not what the sha names", async () => {
    cloud.putRepository("alert-engine-dev");
    writeFileSync(join(app, "Dockerfile"), "FROM scratch\nCMD [\"x\"]\n");
    const lines: string[] = [];
    await buildAndPush({ env, clients, retry: RETRY, dir: app, log: (l) => lines.push(l) });
    expect(lines[0]).toMatch(/^warning: .* has uncommitted changes/);
  });

  it("stops at the first failing docker step with docker's own words", async () => {
    cloud.putRepository("alert-engine-dev");
    process.env.DOCKER_STANDIN_FAIL = "build";
    await expect(buildAndPush({ env, clients, retry: RETRY, dir: app })).rejects.toThrow(/docker build failed \(exit 1\):\n\s+Error response from daemon: build refused/);
    expect(dockerLog().filter((l) => l.startsWith("argv: push"))).toEqual([]);
  });

  it("without a repository: names the bootstrap command and runs no docker", async () => {
    const error = await buildAndPush({ env, clients, retry: RETRY, dir: app }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserInputError);
    expect((error as Error).message).toContain("npm run orchestrate -- bootstrap dev");
    expect(() => dockerLog()).toThrow();
  });

  it("outside a git checkout without --image-tag: asks for --image-tag", async () => {
    cloud.putRepository("alert-engine-dev");
    const plain = mkdtempSync(join(tmpdir(), "plain-"));
    await expect(buildAndPush({ env, clients, retry: RETRY, dir: plain })).rejects.toThrow(/not inside a git checkout .*pass --image-tag/);
  });

  it("a directory that does not exist", async () => {
    await expect(buildAndPush({ env, clients, retry: RETRY, dir: join(app, "nope") })).rejects.toThrow(/no such directory/);
  });

  it("no docker on PATH: says how to get it or how to do without", async () => {
    cloud.putRepository("alert-engine-dev");
    process.env.PATH = "/nonexistent";
    await expect(buildAndPush({ env, clients, retry: RETRY, dir: app, tag: "t1" })).rejects.toThrow(/docker CLI is not on PATH/);
  });
});
