import { preview } from "./preview.js";
import { apiDomain, AZ_COUNT, isPlaceholderSecret, type Environment, type LogLevel } from "./model.js";

/** Fargate's accepted memory sizes (MiB) for each CPU size (units). */
const FARGATE_MEMORY: Record<number, number[]> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
const LOG_LEVELS: LogLevel[] = ["DEBUG", "INFO", "WARNING", "ERROR"];
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;
const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const DNS_LABELS = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const PROJECT = /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
/** EC2's managed prefix list ids: `pl-` and 8 or 17 hex digits. */
const PREFIX_LIST = /^pl-([0-9a-f]{8}|[0-9a-f]{17})$/;
/** Docker's tag grammar: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`; undefined when `tag` follows it. */
export function imageTagProblem(tag: string): string | undefined {
  if (IMAGE_TAG.test(tag)) return undefined;
  return `${preview(tag)} is not a valid Docker tag (letters, digits, _ . -, not starting with . or -, at most 128 characters)`;
}
/**
 * ACM refuses a certificate whose first domain name (the Common Name) is longer than 64 characters
 * (RFC 5280); the orchestrator requests the API domain as that name, so a longer one would only fail
 * at RequestCertificate, after network, storage and auth had already started.
 */
const ACM_DOMAIN_NAME_MAX = 64;

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/**
 * An environment's name becomes part of its stack names (`<project>-<stack>-<env>`), its API domain's first
 * label (`<env>-<project>`), its ECR repository and log group: lowercase DNS-label characters fit all of them.
 * Length is checked where it binds: the API domain, at most 64 characters for ACM (below), leaves a name of at
 * most ~32 with the default project and domain, well inside stack names (128), the ECR repository (256) and the
 * Cognito pool names (128). The load balancer, target group and bucket are not named by the templates:
 * CloudFormation derives their names from the stack name and truncates them to AWS's limits (32, 32, 63).
 */
const ENVIRONMENT_NAME = /^[a-z]([a-z0-9-]*[a-z0-9])?$/;

/** Undefined when `name` can name an environment; otherwise what is wrong with it. */
export function environmentNameProblem(name: string): string | undefined {
  if (ENVIRONMENT_NAME.test(name)) return undefined;
  return `environment name ${preview(name)}: use lowercase letters, digits and hyphens, starting with a letter and ending with a letter or digit (it names the stacks, the API domain and the ECR repository)`;
}

/** Every problem with an environment, each naming the field, its value and what is allowed. */
export function environmentProblems(env: Environment): string[] {
  const problems: string[] = [];
  const at = (field: string) => `${env.name}.${field}`;

  const nameProblem = environmentNameProblem(env.name);
  if (nameProblem) problems.push(nameProblem);
  if (!PROJECT.test(env.project)) {
    problems.push(`project ${preview(env.project)}: use 3-32 lowercase letters, digits and hyphens, starting with a letter (it names stacks and the bucket)`);
  }
  if (!DNS_LABELS.test(env.baseDomain)) problems.push(`baseDomain ${preview(env.baseDomain)}: expected a lowercase DNS name such as example.com`);
  const domain = apiDomain(env);
  if (domain.length > ACM_DOMAIN_NAME_MAX) {
    problems.push(
      `API domain ${preview(domain)} is ${domain.length} characters, but ACM issues certificates only for domain names of at most ${ACM_DOMAIN_NAME_MAX}: shorten ${env.name === "prod" ? "" : `the environment name (${env.name}), `}baseDomain (BASE_DOMAIN) or the project name (PROJECT_NAME)`,
    );
  }
  if (!REGION.test(env.region)) problems.push(`${at("region")} ${preview(env.region)}: expected an AWS region such as us-east-2`);
  if (env.account !== undefined && !ACCOUNT.test(env.account)) {
    problems.push(`${at("account")} ${preview(env.account)}: expected a 12-digit AWS account id (quote it in YAML so leading zeros survive)`);
  }
  if (!isPlaceholderSecret(env.secretsArn) && !SECRET_ARN.test(env.secretsArn)) {
    problems.push(`${at("secretsArn")} ${preview(env.secretsArn)}: expected arn:aws:secretsmanager:<region>:<12-digit account>:secret:<name>-<6 characters>`);
  }
  const tagProblem = imageTagProblem(env.imageTag);
  if (tagProblem) problems.push(`${at("imageTag")} ${tagProblem}`);

  const memories = FARGATE_MEMORY[env.cpu];
  if (!memories) {
    problems.push(`${at("cpu")} ${env.cpu}: Fargate accepts ${Object.keys(FARGATE_MEMORY).join(", ")}`);
  } else if (!memories.includes(env.memoryMiB)) {
    problems.push(`${at("memoryMiB")} ${env.memoryMiB} with cpu ${env.cpu}: Fargate accepts ${memories[0]}-${memories.at(-1)} in steps of ${(memories[1] ?? 0) - (memories[0] ?? 0)}`);
  }

  for (const field of ["desiredTasks", "minTasks", "maxTasks"] as const) {
    if (!Number.isInteger(env[field]) || env[field] < 0) problems.push(`${at(field)} ${env[field]}: expected a whole number >= 0`);
  }
  if (env.minTasks > env.maxTasks) problems.push(`${at("minTasks")} ${env.minTasks} is greater than ${at("maxTasks")} ${env.maxTasks}: min must be <= max`);
  if (env.desiredTasks < env.minTasks || env.desiredTasks > env.maxTasks) {
    problems.push(`${at("desiredTasks")} ${env.desiredTasks}: must lie between minTasks ${env.minTasks} and maxTasks ${env.maxTasks}`);
  }
  if (env.availabilityZones !== undefined) {
    const zones = env.availabilityZones;
    const named = zones.every((zone) => zone.startsWith(env.region) && /^[a-z]$/.test(zone.slice(env.region.length)));
    if (zones.length !== AZ_COUNT || new Set(zones).size !== AZ_COUNT || !named) {
      problems.push(`${at("availabilityZones")} ${preview(zones)}: expected ${AZ_COUNT} different zones of ${env.region}, e.g. ["${env.region}a", "${env.region}b"]`);
    }
  }
  if (![0, 1, 2].includes(env.natGateways)) problems.push(`${at("natGateways")} ${env.natGateways}: allowed values are 0, 1 or 2 (one per AZ)`);
  if (!LOG_RETENTION_DAYS.includes(env.logRetentionDays)) {
    problems.push(`${at("logRetentionDays")} ${env.logRetentionDays}: CloudWatch accepts ${LOG_RETENTION_DAYS.join(", ")}`);
  }
  problems.push(...databaseProblems(env));
  if (env.vpcEndpoints && env.natGateways === 0) {
    problems.push(
      `${at("vpcEndpoints")} true: tasks run in public subnets with public IPs when natGateways is 0, so there is no NAT traffic for endpoints to save; set vpcEndpoints: false, or natGateways: 1 or 2 to run tasks in private subnets`,
    );
  }
  if (!LOG_LEVELS.includes(env.logLevel)) problems.push(`${at("logLevel")} ${preview(env.logLevel)}: allowed values are ${LOG_LEVELS.join(", ")}`);
  return problems;
}

/** The database port and the optional destination outside the VPC, both of which open task egress. */
function databaseProblems(env: Environment): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(env.databasePort) || env.databasePort < 1 || env.databasePort > 65535) {
    problems.push(`${env.name}.databasePort ${env.databasePort}: expected a TCP port, a whole number in 1-65535 (PostgreSQL and Aurora DSQL use 5432)`);
  }
  const destination = env.databaseDestination;
  if (destination === undefined || PREFIX_LIST.test(destination)) return problems;
  const cidr = IPV4_CIDR.exec(destination);
  const valid = cidr !== null && cidr.slice(1, 5).every((octet) => Number(octet) <= 255) && Number(cidr[5]) <= 32;
  if (!valid) {
    problems.push(`${env.name}.databaseDestination ${preview(destination)}: expected an IPv4 CIDR such as 10.1.0.0/16 or a managed prefix list id such as pl-0123456789abcdef0`);
  } else if (Number(cidr[5]) === 0) {
    problems.push(`${env.name}.databaseDestination ${preview(destination)}: opens the database port to every address; give the database's own network (e.g. 10.1.0.0/16) or its prefix list`);
  }
  return problems;
}

/** Problems that only matter once something is about to change in AWS. */
export function deployProblems(env: Environment): string[] {
  const problems: string[] = [];
  const config = configFileHint(env);
  if (env.base === "prod" && env.account === undefined) {
    const which = env.name === "prod" ? "prod" : `${env.name}, which extends prod`;
    problems.push(`${env.name}.account is required for ${which}: set ${env.name}.account in ${config} so a deploy can never land in the wrong account`);
  }
  if (isPlaceholderSecret(env.secretsArn)) {
    problems.push(
      `${env.name}.secretsArn is still the placeholder "${env.secretsArn}": set ${env.name}.secretsArn in ${config} to the real Secrets Manager ARN (copy it from the Secrets Manager console)`,
    );
  }
  return problems;
}

/** The config file a fix belongs in: the one that was read, or the default that would be. */
export function configFileHint(env: Pick<Environment, "origin">): string {
  return env.origin?.configFile ?? "orchestrate.config.yaml (none was found: create it in this directory, or pass --config FILE)";
}
