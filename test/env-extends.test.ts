/**
 * Environments beyond the shipped three: the config declares `qa: { extends: dev, … }`, the new environment
 * takes its base's figures, then its own overrides; its name is checked against every name derived from it.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadEnvironment, loadEnvironments } from "../src/env/load.js";
import { apiDomain, stackName, type Environment } from "../src/env/model.js";
import { deployProblems } from "../src/env/validate.js";
import { UserInputError } from "../src/errors.js";
import { retainsData } from "../src/orchestrator/protection-guard.js";
import { synthesizeEnvironment } from "../src/templates/index.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function configFile(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), "env-extends-"));
  dirs.push(dir);
  const file = join(dir, "team.yaml");
  writeFileSync(file, yaml);
  return file;
}

const load = (name: string, yaml: string): Environment => loadEnvironment(name, { configFile: configFile(yaml), vars: {} });
const shipped = (name: string): Environment => loadEnvironment(name, { cwd: "/nonexistent", vars: {} });

function inputError(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(UserInputError);
    return (error as Error).message;
  }
  throw new Error("expected a UserInputError");
}

describe("an environment that extends a shipped one", () => {
  it("takes its base's figures, then its own overrides, under its own name", () => {
    const qa = load("qa", 'qa:\n  extends: dev\n  account: "111111111111"\n  maxTasks: 1\n  logLevel: INFO\n');
    const dev = shipped("dev");
    expect(qa).toMatchObject({ name: "qa", base: "dev", account: "111111111111", logLevel: "INFO", cpu: dev.cpu, natGateways: dev.natGateways });
    expect(stackName(qa, "backend")).toBe("alert-engine-backend-qa");
    expect(apiDomain(qa)).toBe("api.qa-alert-engine.totogicore.com");
    expect(qa.secretsArn).toContain("alert-engine/qa-");
  });

  it("extending prod inherits its retention and termination protection, its account requirement and its data guard", () => {
    const eu = load("prod-eu", "prod-eu:\n  extends: prod\n  region: eu-west-1\n");
    expect(eu).toMatchObject({ base: "prod", retainData: true, terminationProtection: true, region: "eu-west-1" });
    // Only prod itself drops the environment from the domain: prod-eu must not take prod's name.
    expect(apiDomain(eu)).toBe("api.prod-eu-alert-engine.totogicore.com");
    expect(deployProblems(eu).join("\n")).toContain("prod-eu.account is required");
    // The data guard judges by the seed: a config that switches retention off is the thing it guards against.
    const lowered = load("prod-eu", "prod-eu:\n  extends: prod\n  retainData: false\n  terminationProtection: false\n");
    expect(retainsData(lowered, [])).toBe(true);
    expect(retainsData(load("qa", "qa:\n  extends: dev\n"), [])).toBe(false);
  });

  it("synthesizes five templates named after it", () => {
    const qa = load("qa", "qa:\n  extends: stage\n");
    const templates = synthesizeEnvironment(qa);
    expect(templates).toHaveLength(5);
    expect(JSON.stringify(templates.map((t) => t.template))).toContain('"Environment":"qa"');
  });

  it("starts from its base as the config sets it: a pr-142 extending dev deploys into dev's account with dev's secret", () => {
    const secret = "arn:aws:secretsmanager:us-east-2:111111111111:secret:alert-engine/dev-AbCdEf";
    const yaml = `dev:\n  account: "111111111111"\n  secretsArn: ${secret}\n  logRetentionDays: 14\npr-142:\n  extends: dev\n  logRetentionDays: 3\n`;
    expect(load("pr-142", yaml)).toMatchObject({ account: "111111111111", secretsArn: secret, logRetentionDays: 3 });
  });

  it("loads alongside the shipped ones, each with its own figures", () => {
    const file = configFile('dev:\n  maxTasks: 1\nqa:\n  extends: dev\n  cpu: 1024\n  memoryMiB: 2048\n');
    const [dev, qa] = loadEnvironments(["dev", "qa"], { configFile: file, vars: {} });
    expect(dev!.cpu).toBe(512);
    expect(qa!.cpu).toBe(1024);
  });
});

describe("declaring an environment: what is refused (exit 2, before anything happens)", () => {
  it("a new name without extends says how to declare it, and suggests the shipped name it resembles", () => {
    expect(inputError(() => load("dev", "qa:\n  account: \"111111111111\"\n"))).toMatch(/unknown environment "qa": to declare a new environment, add `extends: dev` \(or stage, prod\)/);
    expect(inputError(() => load("dev", "prd:\n  maxTasks: 3\n"))).toMatch(/"prd".*did you mean "prod"\?/);
  });

  it("extends must name a shipped environment", () => {
    expect(inputError(() => load("qa", "qa:\n  extends: dve\n"))).toMatch(/qa\.extends "dve": .*dev, stage, prod.*did you mean "dev"\?/);
    expect(inputError(() => load("qa", "pr:\n  extends: dev\nqa:\n  extends: pr\n"))).toMatch(/qa\.extends "pr": .*dev, stage, prod/);
    expect(inputError(() => load("dev", "dev:\n  extends: stage\n"))).toMatch(/dev\.extends: dev is shipped and extends nothing/);
  });

  it.each([
    ["QA", /lowercase/],
    ["qa_1", /lowercase letters, digits and hyphens/],
    ["1qa", /starting with a letter/],
    ["qa-", /ending with a letter or digit/],
  ])("the name %j is refused", (name, reason) => {
    expect(inputError(() => load(name, `${name}:\n  extends: dev\n`))).toMatch(reason);
  });

  it("a name too long for the names derived from it is refused, naming the limit", () => {
    const name = `pr-${"x".repeat(40)}`;
    const message = inputError(() => load(name, `${name}:\n  extends: dev\n`));
    expect(message).toMatch(/API domain .* is \d+ characters, .* at most 64/);
  });

  it("an unknown environment is refused with did-you-mean and the environments that exist", () => {
    const message = inputError(() => load("dve", "qa:\n  extends: dev\n"));
    expect(message).toMatch(/Unknown environment "dve"\. Did you mean "dev"\?/);
    expect(message).toContain("dev, stage, prod, qa");
    // A name the config does not declare: say where to declare it, naming the config file actually read.
    const file = configFile("qa:\n  extends: dev\n");
    const undeclared = inputError(() => loadEnvironment("pr-142", { configFile: file, vars: {} }));
    expect(undeclared).toContain(`declare it in ${file}`);
    expect(undeclared).toContain("pr-142:\n");
  });
});
