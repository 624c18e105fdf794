import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import yaml from "js-yaml";
import { inputErrors, UserInputError } from "../errors.js";
import {
  DEFAULT_BASE_DOMAIN,
  DEFAULT_PROJECT,
  DEFAULT_REGION,
  ENVIRONMENT_DEFAULTS,
  placeholderSecretArn,
} from "./defaults.js";
import { ENVIRONMENT_NAMES, OVERRIDABLE_FIELDS, type Environment, type EnvironmentName, type EnvironmentOverrides } from "./model.js";
import { expandsBeyond, preview } from "./preview.js";
import { environmentProblems } from "./validate.js";

const DEFAULT_CONFIG_FILE = "orchestrate.config.yaml";

export interface LoadOptions {
  /** Explicit --config path; when absent, orchestrate.config.yaml in cwd is read if present. */
  configFile?: string;
  /** --region, which wins over the config file and AWS_REGION. */
  region?: string;
  cwd?: string;
  /** Process environment (PROJECT_NAME, BASE_DOMAIN, AWS_REGION); injectable for tests. */
  vars?: NodeJS.ProcessEnv;
}

type FieldKind = "string" | "number" | "boolean" | "list of strings";
const FIELD_KINDS: Record<(typeof OVERRIDABLE_FIELDS)[number], FieldKind> = {
  account: "string",
  region: "string",
  secretsArn: "string",
  imageTag: "string",
  cpu: "number",
  memoryMiB: "number",
  desiredTasks: "number",
  minTasks: "number",
  maxTasks: "number",
  autoScaling: "boolean",
  circuitBreaker: "boolean",
  natGateways: "number",
  availabilityZones: "list of strings",
  logRetentionDays: "number",
  bucketVersioning: "boolean",
  lifecycleRules: "boolean",
  containerInsights: "boolean",
  logLevel: "string",
  databasePort: "number",
  databaseDestination: "string",
  vpcEndpoints: "boolean",
  auditLogs: "boolean",
  retainData: "boolean",
  terminationProtection: "boolean",
};

const hasKind = (value: unknown, kind: FieldKind): boolean =>
  kind === "list of strings" ? Array.isArray(value) && value.every((v) => typeof v === "string") : typeof value === kind;

function parseEnvironmentName(name: string): EnvironmentName {
  if ((ENVIRONMENT_NAMES as readonly string[]).includes(name)) return name as EnvironmentName;
  throw new UserInputError(`Unknown environment "${name}". Valid environments: ${ENVIRONMENT_NAMES.join(", ")}.`);
}

/** A config holds a few dozen values in a few KB; far beyond that it is a mistake or an attack (a YAML alias bomb). */
const CONFIG_MAX_BYTES = 256 * 1024;
const CONFIG_MAX_VALUES = 10_000;

/** Reads and checks the YAML overrides file; returns per-environment overrides. */
function readConfigFile(path: string): Partial<Record<EnvironmentName, EnvironmentOverrides>> {
  let parsed: unknown;
  try {
    const size = statSync(path).size;
    if (size > CONFIG_MAX_BYTES) throw new Error(`it is ${size} bytes; a config file is a few KB (at most ${CONFIG_MAX_BYTES})`);
    // js-yaml resolves an alias to the anchored object itself, so loading stays cheap; only walking the result is not.
    parsed = yaml.load(readFileSync(path, "utf8"));
  } catch (error) {
    throw new UserInputError(`Cannot read config file ${path}: ${(error as Error).message}`);
  }
  if (expandsBeyond(parsed, CONFIG_MAX_VALUES)) {
    throw new UserInputError(
      `Config file ${path} expands to more than ${CONFIG_MAX_VALUES.toLocaleString("en-US")} values (YAML aliases repeated inside each other?); a config has a few dozen: remove the anchors (&name) and aliases (*name) that multiply it`,
    );
  }
  if (parsed === undefined || parsed === null) return {};
  if (typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new UserInputError(`Config file ${path} must be a mapping of environment names (${ENVIRONMENT_NAMES.join(", ")}) to overrides.`);
  }
  const problems: string[] = [];
  const result: Partial<Record<EnvironmentName, EnvironmentOverrides>> = {};
  for (const [envKey, overrides] of Object.entries(parsed)) {
    if (!(ENVIRONMENT_NAMES as readonly string[]).includes(envKey)) {
      problems.push(`unknown environment "${envKey}": valid environments are ${ENVIRONMENT_NAMES.join(", ")}`);
      continue;
    }
    if (overrides === null) continue; // an environment whose overrides are all commented out
    if (typeof overrides !== "object" || Array.isArray(overrides)) {
      problems.push(`${envKey}: expected a mapping of fields to values`);
      continue;
    }
    const checked: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(overrides as Record<string, unknown>)) {
      // Own keys only: "constructor" or "__proto__" must not find something on Object.prototype.
      const kind = Object.hasOwn(FIELD_KINDS, field) ? FIELD_KINDS[field as keyof typeof FIELD_KINDS] : undefined;
      if (!kind) {
        problems.push(`${envKey}.${field}: unknown key; allowed keys are ${OVERRIDABLE_FIELDS.join(", ")}`);
      } else if (!hasKind(value, kind)) {
        problems.push(`${envKey}.${field}: expected a ${kind}, got ${preview(value)}${field === "account" ? " (quote the account id)" : ""}`);
      } else {
        checked[field] = value;
      }
    }
    result[envKey as EnvironmentName] = checked as EnvironmentOverrides;
  }
  if (problems.length > 0) throw inputErrors(problems, `Config file ${path} has problems:`);
  return result;
}

function configPath(options: LoadOptions): string | undefined {
  const cwd = options.cwd ?? process.cwd();
  if (options.configFile) {
    const path = resolve(cwd, options.configFile);
    if (!existsSync(path)) throw new UserInputError(`Config file ${path} does not exist (given with --config).`);
    return path;
  }
  const fallback = resolve(cwd, DEFAULT_CONFIG_FILE);
  return existsSync(fallback) ? fallback : undefined;
}

/** The environment model for one environment: seed defaults, then the config file, then flags and variables. */
export function loadEnvironment(name: string, options: LoadOptions = {}): Environment {
  return loadEnvironments([name], options)[0]!;
}

export function loadEnvironments(names: readonly string[], options: LoadOptions = {}): Environment[] {
  const vars = options.vars ?? process.env;
  // `--region ''` (an unset shell variable, `--region "$REGION"`) must not quietly become the config's or AWS_REGION's.
  if (options.region !== undefined && options.region.trim() === "") {
    throw new UserInputError("--region is empty: give an AWS region such as us-east-2, or leave the flag out to use the config file's, then AWS_REGION.");
  }
  const envNames = names.map(parseEnvironmentName);
  const path = configPath(options);
  const fileOverrides = path ? readConfigFile(path) : {};
  const project = vars.PROJECT_NAME || DEFAULT_PROJECT;
  const baseDomain = vars.BASE_DOMAIN || DEFAULT_BASE_DOMAIN;

  return envNames.map((name) => {
    const overrides = fileOverrides[name] ?? {};
    // The config file is per environment and deliberate; AWS_REGION is a shell-wide habit, so it only fills a gap.
    const region = options.region || overrides.region || vars.AWS_REGION || DEFAULT_REGION;
    const env: Environment = {
      ...ENVIRONMENT_DEFAULTS[name],
      secretsArn: placeholderSecretArn(region, project, name),
      ...overrides,
      name,
      project,
      baseDomain,
      region,
    };
    const problems = environmentProblems(env);
    if (problems.length > 0) throw inputErrors(problems, `Environment ${name} is not valid${path ? ` (config: ${path})` : ""}:`);
    return env;
  });
}
