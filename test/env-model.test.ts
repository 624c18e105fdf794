/**
 * The environment model: the seed's figures for each environment, the names derived from them,
 * how the config file, flags and variables override them, and the errors a person gets for bad input
 * (each a UserInputError, exit code 2, naming the field and what is allowed).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UserInputError } from "../src/errors.js";
import { loadEnvironment, loadEnvironments, type LoadOptions } from "../src/env/load.js";
import { apiDomain, exportName, isPlaceholderSecret, stackName, type Environment } from "../src/env/model.js";
import { deployProblems } from "../src/env/validate.js";
import { synthesizeEnvironment } from "../src/templates/index.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A working directory holding the given orchestrate.config.yaml (or none). */
function workdir(yaml?: string): string {
  const dir = mkdtempSync(join(tmpdir(), "env-model-"));
  dirs.push(dir);
  if (yaml !== undefined) writeFileSync(join(dir, "orchestrate.config.yaml"), yaml);
  return dir;
}

const PROD_ACCOUNT = 'prod:\n  account: "123456789012"\n';
const REAL_SECRET = "arn:aws:secretsmanager:us-east-2:123456789012:secret:alert-engine/dev-AbC123";

/** Loads with no process variables leaking in (the test setup sets AWS_REGION). */
function load(name: string, yaml?: string, options: LoadOptions = {}): Environment {
  return loadEnvironment(name, { cwd: workdir(yaml), vars: {}, ...options });
}

/** The UserInputError a call throws; fails the test when it throws anything else or nothing. */
function inputError(call: () => unknown): UserInputError {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(UserInputError);
    expect((error as UserInputError).exitCode).toBe(2);
    return error as UserInputError;
  }
  throw new Error("expected a UserInputError, but nothing was thrown");
}

describe("seed figures", () => {
  const [dev, stage, prod] = loadEnvironments(["dev", "stage", "prod"], { cwd: workdir(PROD_ACCOUNT), vars: {} }) as [Environment, Environment, Environment];

  it("dev: small, single fixed task, one NAT, a week of logs, no versioning or scaling, DEBUG", () => {
    expect(dev).toMatchObject({
      name: "dev",
      project: "alert-engine",
      baseDomain: "totogicore.com",
      region: "us-east-2",
      cpu: 512,
      memoryMiB: 1024,
      desiredTasks: 1,
      minTasks: 1,
      maxTasks: 1,
      autoScaling: false,
      circuitBreaker: false,
      natGateways: 1,
      logRetentionDays: 7,
      bucketVersioning: false,
      logLevel: "DEBUG",
      retainData: false,
      terminationProtection: false,
    });
    expect(dev.account).toBeUndefined();
  });

  it("stage: 1-3 tasks with auto scaling, no NAT, two weeks of logs, versioning, INFO", () => {
    expect(stage).toMatchObject({
      name: "stage",
      cpu: 1024,
      memoryMiB: 2048,
      desiredTasks: 1,
      minTasks: 1,
      maxTasks: 3,
      autoScaling: true,
      natGateways: 0,
      logRetentionDays: 14,
      bucketVersioning: true,
      logLevel: "INFO",
      retainData: false,
      terminationProtection: false,
    });
  });

  it("prod: 2-10 tasks, NAT per AZ, a month of logs, versioning, lifecycle, circuit breaker, retained data", () => {
    expect(prod).toMatchObject({
      name: "prod",
      account: "123456789012",
      cpu: 1024,
      memoryMiB: 2048,
      desiredTasks: 2,
      minTasks: 2,
      maxTasks: 10,
      autoScaling: true,
      circuitBreaker: true,
      natGateways: 2,
      logRetentionDays: 30,
      bucketVersioning: true,
      lifecycleRules: true,
      logLevel: "INFO",
      retainData: true,
      terminationProtection: true,
    });
  });

  it("derives API domains, stack names and export names", () => {
    expect(apiDomain(dev)).toBe("api.dev-alert-engine.totogicore.com");
    expect(apiDomain(stage)).toBe("api.stage-alert-engine.totogicore.com");
    expect(apiDomain(prod)).toBe("api.alert-engine.totogicore.com");
    expect(stackName(dev, "network")).toBe("alert-engine-network-dev");
    expect(stackName(prod, "backend")).toBe("alert-engine-backend-prod");
    expect(exportName(stage, "VpcId")).toBe("alert-engine-stage-VpcId");
  });

  it("loads environments in the order asked", () => {
    const names = loadEnvironments(["prod", "dev"], { cwd: workdir(PROD_ACCOUNT), vars: {} }).map((e) => e.name);
    expect(names).toEqual(["prod", "dev"]);
  });
});

describe("overrides", () => {
  it("PROJECT_NAME and BASE_DOMAIN rename everything derived from them", () => {
    const env = load("dev", undefined, { vars: { PROJECT_NAME: "pager", BASE_DOMAIN: "example.org" } });
    expect(env.project).toBe("pager");
    expect(env.baseDomain).toBe("example.org");
    expect(apiDomain(env)).toBe("api.dev-pager.example.org");
    expect(apiDomain({ ...env, name: "prod" })).toBe("api.pager.example.org");
    expect(stackName(env, "network")).toBe("pager-network-dev");
    expect(env.secretsArn).toContain("secret:pager/dev-");
  });

  it("--region beats the config file, which beats AWS_REGION, which beats the default", () => {
    const yaml = "dev:\n  region: eu-west-1\n";
    const vars = { AWS_REGION: "ap-southeast-2" };
    expect(load("dev", yaml, { vars, region: "us-west-2" }).region).toBe("us-west-2");
    expect(load("dev", yaml, { vars }).region).toBe("eu-west-1");
    expect(load("dev", undefined, { vars }).region).toBe("ap-southeast-2");
    expect(load("dev").region).toBe("us-east-2");
    // The config's region is per environment: stage still falls back to AWS_REGION.
    expect(load("stage", yaml, { vars }).region).toBe("ap-southeast-2");
  });

  it("the placeholder secret follows the region", () => {
    expect(load("dev", undefined, { region: "eu-west-1" }).secretsArn).toMatch(/^arn:aws:secretsmanager:eu-west-1:/);
  });

  it("applies YAML overrides to the environment they name only", () => {
    const yaml = [
      "dev:",
      "  cpu: 1024",
      "  memoryMiB: 3072",
      "  logLevel: INFO",
      "  natGateways: 0",
      `  secretsArn: ${REAL_SECRET}`,
      "  imageTag: v1.2.3",
      "stage:",
      "  logRetentionDays: 30",
      "",
    ].join("\n");
    const dir = workdir(yaml);
    const [dev, stage] = loadEnvironments(["dev", "stage"], { cwd: dir, vars: {} }) as [Environment, Environment];
    expect(dev).toMatchObject({ cpu: 1024, memoryMiB: 3072, logLevel: "INFO", natGateways: 0, secretsArn: REAL_SECRET, imageTag: "v1.2.3" });
    expect(dev.logRetentionDays).toBe(7);
    expect(stage).toMatchObject({ cpu: 1024, memoryMiB: 2048, logRetentionDays: 30, logLevel: "INFO" });
  });

  it("reads an explicit --config file instead of the default one", () => {
    const dir = workdir("dev:\n  cpu: 2048\n  memoryMiB: 4096\n");
    writeFileSync(join(dir, "other.yaml"), "dev:\n  cpu: 256\n  memoryMiB: 512\n");
    expect(loadEnvironment("dev", { cwd: dir, vars: {}, configFile: "other.yaml" }).cpu).toBe(256);
    expect(loadEnvironment("dev", { cwd: dir, vars: {} }).cpu).toBe(2048);
  });

  it("an empty config file, or an empty environment in it, changes nothing", () => {
    expect(load("dev", "").cpu).toBe(512);
    // An environment whose overrides are all commented out parses as null.
    expect(load("dev", "dev:\n  # cpu: 1024\n").cpu).toBe(512);
  });
});

describe("input errors", () => {
  it("unknown environment lists the valid ones", () => {
    const error = inputError(() => load("qa"));
    expect(error.message).toContain('"qa"');
    expect(error.message).toContain("dev, stage, prod");
  });

  it("invalid CPU/memory pair names the field and what Fargate accepts", () => {
    const memory = inputError(() => load("dev", "dev:\n  memoryMiB: 512\n"));
    expect(memory.message).toContain("dev.memoryMiB 512 with cpu 512");
    expect(memory.message).toContain("1024-4096");
    const cpu = inputError(() => load("dev", "dev:\n  cpu: 300\n"));
    expect(cpu.message).toContain("dev.cpu 300");
    expect(cpu.message).toContain("256, 512, 1024, 2048, 4096");
  });

  it("minTasks above maxTasks", () => {
    const error = inputError(() => load("stage", "stage:\n  minTasks: 4\n  desiredTasks: 4\n"));
    expect(error.message).toContain("stage.minTasks 4");
    expect(error.message).toContain("stage.maxTasks 3");
    expect(error.message).toContain("min must be <= max");
  });

  it("malformed secret ARN shows the expected form", () => {
    const error = inputError(() => load("dev", "dev:\n  secretsArn: arn:aws:secretsmanager:us-east-2:123:secret:app\n"));
    expect(error.message).toContain("dev.secretsArn");
    expect(error.message).toContain("arn:aws:secretsmanager:<region>:<12-digit account>:secret:<name>-<6 characters>");
  });

  it("unknown YAML key lists the allowed keys", () => {
    const error = inputError(() => load("dev", "dev:\n  cpus: 1024\n"));
    expect(error.message).toContain("dev.cpus: unknown key");
    expect(error.message).toMatch(/allowed keys are account, region, secretsArn, .*terminationProtection/);
  });

  it("unknown environment in YAML lists the valid ones", () => {
    const error = inputError(() => load("dev", "qa:\n  cpu: 1024\n"));
    expect(error.message).toContain('unknown environment "qa"');
    expect(error.message).toContain("dev, stage, prod");
  });

  it("wrong YAML type names the expected type", () => {
    const cpu = inputError(() => load("dev", 'dev:\n  cpu: "lots"\n'));
    expect(cpu.message).toContain('dev.cpu: expected a number, got "lots"');
    const flag = inputError(() => load("dev", "dev:\n  autoScaling: sometimes\n"));
    expect(flag.message).toContain("dev.autoScaling: expected a boolean");
    // An unquoted account id is a YAML number, which would lose leading zeros.
    const account = inputError(() => load("prod", "prod:\n  account: 123456789012\n"));
    expect(account.message).toContain("prod.account: expected a string");
    expect(account.message).toContain("quote the account id");
  });

  it("other values outside what AWS accepts name the allowed values", () => {
    expect(inputError(() => load("dev", "dev:\n  natGateways: 3\n")).message).toContain("allowed values are 0, 1 or 2");
    expect(inputError(() => load("dev", "dev:\n  logRetentionDays: 10\n")).message).toMatch(/dev\.logRetentionDays 10: CloudWatch accepts 1, 3, 5, 7, 14, 30/);
    expect(inputError(() => load("dev", "dev:\n  logLevel: VERBOSE\n")).message).toContain("allowed values are DEBUG, INFO, WARNING, ERROR");
    expect(inputError(() => load("dev", undefined, { region: "mars-1" })).message).toContain('dev.region "mars-1"');
    expect(inputError(() => load("dev", undefined, { vars: { PROJECT_NAME: "Alert_Engine" } })).message).toContain('project "Alert_Engine"');
  });

  it("pinned availability zones must be two different zones of the environment's region", () => {
    expect(load("dev", "dev:\n  availabilityZones: [us-east-2a, us-east-2c]\n").availabilityZones).toEqual(["us-east-2a", "us-east-2c"]);
    for (const zones of ["[us-east-2a]", "[us-east-2a, us-east-2a]", "[us-west-2a, us-west-2b]", "[us-east-2a, us-east-2b, us-east-2c]"]) {
      expect(inputError(() => load("dev", `dev:\n  availabilityZones: ${zones}\n`)).message).toMatch(/dev\.availabilityZones .*: expected 2 different zones of us-east-2, e\.g\. \["us-east-2a", "us-east-2b"\]/);
    }
    expect(inputError(() => load("dev", "dev:\n  availabilityZones: us-east-2a\n")).message).toMatch(/dev\.availabilityZones: expected a list of strings/);
  });

  it("an API domain longer than ACM's 64-character certificate name limit is refused at load", () => {
    // A 42-character base domain: api.alert-engine.<base> (prod, 59) fits in 64, api.stage-alert-engine.<base> (65) does not.
    const vars = { BASE_DOMAIN: "alerts.platform-engineering.totogicore.com" };
    expect(apiDomain(load("prod", PROD_ACCOUNT, { vars })).length).toBeLessThanOrEqual(64);
    const error = inputError(() => load("stage", undefined, { vars }));
    expect(error.message).toContain(`API domain "api.stage-alert-engine.${vars.BASE_DOMAIN}" is 65 characters`);
    expect(error.message).toContain("at most 64");
    // The seed's own domains are well inside the limit.
    for (const name of ["dev", "stage", "prod"]) expect(apiDomain(load(name, PROD_ACCOUNT)).length).toBeLessThanOrEqual(64);
  });

  it("prod without an account synthesizes, but deployProblems refuses it", () => {
    // Refused at deploy time (preflight turns deployProblems into a UserInputError), so synth and
    // review of prod work before the account is configured.
    const env = load("prod");
    expect(env.account).toBeUndefined();
    expect(() => synthesizeEnvironment(env)).not.toThrow();
    const problems = deployProblems(env).join("\n");
    expect(problems).toContain("prod.account is required");
    expect(problems).toContain("orchestrate.config.yaml");
    expect(deployProblems(load("prod", `prod:\n  account: "123456789012"\n  secretsArn: ${REAL_SECRET}\n`))).toEqual([]);
  });

  it("a malformed account is refused at load", () => {
    const malformed = inputError(() => load("prod", 'prod:\n  account: "1234"\n'));
    expect(malformed.message).toContain('prod.account "1234": expected a 12-digit AWS account id');
  });

  it("reports every problem of a config file at once", () => {
    const error = inputError(() => load("dev", 'dev:\n  cpus: 1\n  cpu: "x"\n'));
    expect(error.message).toContain("dev.cpus");
    expect(error.message).toContain("dev.cpu");
  });

  it("unreadable config: bad YAML, not a mapping, missing --config file", () => {
    expect(inputError(() => load("dev", "dev: [unclosed\n")).message).toContain("Cannot read config file");
    expect(inputError(() => load("dev", "- dev\n")).message).toContain("must be a mapping of environment names (dev, stage, prod)");
    expect(inputError(() => load("dev", 'dev: "big"\n')).message).toContain("dev: expected a mapping");
    expect(inputError(() => load("dev", undefined, { configFile: "missing.yaml" })).message).toContain("does not exist");
  });
});

describe("the placeholder secret", () => {
  it("synthesizes, but deployProblems refuses it", () => {
    const env = load("dev");
    expect(isPlaceholderSecret(env.secretsArn)).toBe(true);
    expect(() => synthesizeEnvironment(env)).not.toThrow();
    const problems = deployProblems(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("dev.secretsArn");
    expect(problems[0]).toContain("placeholder");
  });

  it("a real secret ARN passes deployProblems", () => {
    const env = load("dev", `dev:\n  secretsArn: ${REAL_SECRET}\n`);
    expect(isPlaceholderSecret(env.secretsArn)).toBe(false);
    expect(deployProblems(env)).toEqual([]);
  });
});
