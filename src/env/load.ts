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
import { closest, didYouMean } from "../did-you-mean.js";
import {
  ENVIRONMENT_NAMES,
  isShippedEnvironment,
  OVERRIDABLE_FIELDS,
  type Environment,
  type EnvironmentName,
  type EnvironmentOrigin,
  type EnvironmentOverrides,
} from "./model.js";
import { expandsBeyond, preview } from "./preview.js";
import { environmentNameProblem, environmentProblems } from "./validate.js";

const DEFAULT_CONFIG_FILE = "orchestrate.config.yaml";

export interface LoadOptions {
  /** Explicit --config path; when absent, orchestrate.config.yaml in cwd is read if present. */
  configFile?: string;
  /** --region, which wins over the config file and AWS_REGION. */
  region?: string;
  /** --profile, recorded so that messages about credentials name the profile actually used. */
  profile?: string;
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

/** The environment `name`, or a refusal that suggests the closest and says how to declare a new one. */
function parseEnvironmentName(name: string, known: readonly string[], configFile: string): string {
  if (known.includes(name)) return name;
  const suggestion = didYouMean(name, known);
  const declare = suggestion || environmentNameProblem(name)
    ? ""
    : `\nTo add it, declare it in ${configFile}, extending a shipped environment:\n  ${name}:\n    extends: dev`;
  throw new UserInputError(`Unknown environment "${name}".${suggestion} Valid environments: ${known.join(", ")}.${declare}`);
}

/** A config holds a few dozen values in a few KB; far beyond that it is a mistake or an attack (a YAML alias bomb). */
const CONFIG_MAX_BYTES = 256 * 1024;
const CONFIG_MAX_VALUES = 10_000;

/** One environment the config speaks of: the shipped one it starts from, and its own overrides. */
interface ConfigEntry {
  readonly base: EnvironmentName;
  readonly overrides: EnvironmentOverrides;
}

/** Reads and checks the YAML overrides file; returns each environment it names, shipped or declared. */
function readConfigFile(path: string): Map<string, ConfigEntry> {
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
  if (parsed === undefined || parsed === null) return new Map();
  if (typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new UserInputError(`Config file ${path} must be a mapping of environment names (${ENVIRONMENT_NAMES.join(", ")}) to overrides; a new environment is one more name, with \`extends\`.`);
  }
  const problems: string[] = [];
  const result = new Map<string, ConfigEntry>();
  for (const [envKey, value] of Object.entries(parsed)) {
    // An environment whose overrides are all commented out is a mapping of nothing.
    const fields = value === null ? {} : value;
    if (typeof fields !== "object" || Array.isArray(fields)) {
      problems.push(`${envKey}: expected a mapping of fields to values`);
      continue;
    }
    const { extends: extended, ...overrides } = fields as Record<string, unknown>;
    const base = environmentBase(envKey, extended, problems);
    const checked = checkOverrides(envKey, overrides, problems);
    if (base) result.set(envKey, { base, overrides: checked });
  }
  if (problems.length > 0) throw inputErrors(problems, `Config file ${path} has problems:`);
  return result;
}

/**
 * Which shipped environment `envKey` starts from: itself when it is one, otherwise the one its `extends`
 * names. Adds a problem and returns undefined when that cannot be told.
 */
function environmentBase(envKey: string, extended: unknown, problems: string[]): EnvironmentName | undefined {
  if (isShippedEnvironment(envKey)) {
    if (extended === undefined) return envKey;
    problems.push(`${envKey}.extends: ${envKey} is shipped and extends nothing; to start a new environment from it, declare one under a new name (qa: { extends: ${envKey} })`);
    return undefined;
  }
  if (extended === undefined) {
    const suggestion = closest(envKey, ENVIRONMENT_NAMES);
    problems.push(
      `unknown environment ${preview(envKey)}: ${suggestion ? `did you mean "${suggestion}"? ` : ""}` +
        `to declare a new environment, add \`extends: dev\` (or stage, prod), the shipped environment whose figures it starts from; the shipped ones are ${ENVIRONMENT_NAMES.join(", ")}`,
    );
    return undefined;
  }
  const nameProblem = environmentNameProblem(envKey);
  if (nameProblem) problems.push(nameProblem);
  if (typeof extended === "string" && isShippedEnvironment(extended)) return nameProblem ? undefined : extended;
  const suggestion = typeof extended === "string" ? closest(extended, ENVIRONMENT_NAMES) : undefined;
  problems.push(
    `${envKey}.extends ${preview(extended)}: a new environment extends one of the shipped ones: ${ENVIRONMENT_NAMES.join(", ")}${suggestion ? `; did you mean "${suggestion}"?` : ""}`,
  );
  return undefined;
}

/** Each override's key and type; returns the ones that passed, adding a problem for each that did not. */
function checkOverrides(envKey: string, overrides: Record<string, unknown>, problems: string[]): EnvironmentOverrides {
  const checked: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(overrides)) {
    // Own keys only: "constructor" or "__proto__" must not find something on Object.prototype.
    const kind = Object.hasOwn(FIELD_KINDS, field) ? FIELD_KINDS[field as keyof typeof FIELD_KINDS] : undefined;
    if (!kind) {
      const suggestion = closest(field, OVERRIDABLE_FIELDS);
      problems.push(`${envKey}.${field}: unknown key${suggestion ? ` (did you mean "${suggestion}"?)` : ""}; allowed keys are ${OVERRIDABLE_FIELDS.join(", ")} (and extends, for a new environment)`);
    } else if (!hasKind(value, kind)) {
      problems.push(`${envKey}.${field}: expected a ${kind}, got ${preview(value)}${field === "account" ? " (quote the account id)" : ""}`);
    } else {
      checked[field] = value;
    }
  }
  return checked as EnvironmentOverrides;
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
  const path = configPath(options);
  const config = path ? readConfigFile(path) : new Map<string, ConfigEntry>();
  const known = [...new Set([...ENVIRONMENT_NAMES, ...config.keys()])];
  const envNames = names.map((name) => parseEnvironmentName(name, known, path ?? resolve(options.cwd ?? process.cwd(), DEFAULT_CONFIG_FILE)));
  const project = vars.PROJECT_NAME || DEFAULT_PROJECT;
  const baseDomain = vars.BASE_DOMAIN || DEFAULT_BASE_DOMAIN;
  const origin = { configFile: path, profile: profileOrigin(options.profile, vars) };

  return envNames.map((name) => {
    const { base, overrides: own } = config.get(name) ?? { base: name as EnvironmentName, overrides: {} };
    // A declared environment starts from its base as this team configures it (account, secret, sizes), then its own.
    const overrides = base === name ? own : { ...config.get(base)?.overrides, ...own };
    // The config file is per environment and deliberate; AWS_REGION is a shell-wide habit, so it only fills a gap.
    const region = options.region || overrides.region || vars.AWS_REGION || DEFAULT_REGION;
    const env: Environment = {
      ...ENVIRONMENT_DEFAULTS[base],
      secretsArn: placeholderSecretArn(region, project, name),
      ...overrides,
      name,
      base,
      project,
      baseDomain,
      region,
      origin,
    };
    const problems = environmentProblems(env);
    if (problems.length > 0) throw inputErrors(problems, `Environment ${name} is not valid${path ? ` (config: ${path})` : ""}:`);
    return env;
  });
}

/** The profile the SDK will read credentials from, as the clients choose it: --profile, then AWS_PROFILE. */
function profileOrigin(flag: string | undefined, vars: NodeJS.ProcessEnv): EnvironmentOrigin["profile"] {
  if (flag) return { name: flag, from: "--profile" };
  return vars.AWS_PROFILE ? { name: vars.AWS_PROFILE, from: "AWS_PROFILE" } : undefined;
}
