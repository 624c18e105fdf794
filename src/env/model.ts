/**
 * What an environment is: every figure the seed document gives for dev, stage and prod,
 * as one typed value per environment. Builders read nothing else.
 */

/** The shipped environments, with the seed's figures; the config may declare more, each extending one of these. */
export const ENVIRONMENT_NAMES = ["dev", "stage", "prod"] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

export const isShippedEnvironment = (name: string): name is EnvironmentName => (ENVIRONMENT_NAMES as readonly string[]).includes(name);

export type LogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR";

/** Suffix of the placeholder Secrets Manager ARN shipped in the defaults: it synthesizes, but nothing may deploy with it. */
export const PLACEHOLDER_SECRET_SUFFIX = "XXXXXX";

export interface Environment {
  /** A shipped name, or one the config declares (`qa`, `pr-142`); it names the stacks and the API domain. */
  readonly name: string;
  /** The shipped environment whose seed figures this one starts from: itself for dev, stage and prod. */
  readonly base: EnvironmentName;
  readonly project: string;
  readonly baseDomain: string;
  readonly region: string;
  /** The AWS account this environment must deploy into; required for prod. */
  readonly account?: string;
  readonly secretsArn: string;
  readonly imageTag: string;

  readonly cpu: number;
  readonly memoryMiB: number;
  readonly desiredTasks: number;
  readonly minTasks: number;
  readonly maxTasks: number;
  readonly autoScaling: boolean;
  readonly circuitBreaker: boolean;

  readonly natGateways: 0 | 1 | 2;
  /**
   * The two AZs by name; absent, the first two of Fn::GetAZs. Pinning them keeps the subnets where they
   * are even if GetAZs ever answers differently (which would replace every subnet, and fail on its CIDR).
   */
  readonly availabilityZones?: readonly string[];
  readonly logRetentionDays: number;
  readonly bucketVersioning: boolean;
  readonly lifecycleRules: boolean;
  readonly containerInsights: boolean;
  readonly logLevel: LogLevel;

  /** Port the server's PostgreSQL-compatible database listens on; the tasks may connect to it and nothing else new. */
  readonly databasePort: number;
  /**
   * Where the database lives when it is outside the VPC's database subnets: an IPv4 CIDR or a managed
   * prefix list id (pl-…). The tasks get one more egress rule, on databasePort, to it.
   */
  readonly databaseDestination?: string;
  /** Interface endpoints for ECR, CloudWatch Logs and Secrets Manager, so that traffic skips the NAT gateways. */
  readonly vpcEndpoints: boolean;
  /** Load balancer access logs and the data bucket's server access logs, into a log bucket. */
  readonly auditLogs: boolean;

  /** Retain the bucket, user pool and log group on delete and replacement. */
  readonly retainData: boolean;
  readonly terminationProtection: boolean;

  /** Where the settings came from, so messages name the file and profile actually used. Templates never read it. */
  readonly origin?: EnvironmentOrigin;
}

export interface EnvironmentOrigin {
  /** The config file read (--config, or orchestrate.config.yaml in the working directory); absent when none was. */
  readonly configFile?: string;
  /** The AWS profile the credentials come from, and which setting named it. */
  readonly profile?: { readonly name: string; readonly from: "--profile" | "AWS_PROFILE" };
}

/** Fields a user may override per environment in the YAML config. */
export const OVERRIDABLE_FIELDS = [
  "account",
  "region",
  "secretsArn",
  "imageTag",
  "cpu",
  "memoryMiB",
  "desiredTasks",
  "minTasks",
  "maxTasks",
  "autoScaling",
  "circuitBreaker",
  "natGateways",
  "availabilityZones",
  "logRetentionDays",
  "bucketVersioning",
  "lifecycleRules",
  "containerInsights",
  "logLevel",
  "databasePort",
  "databaseDestination",
  "vpcEndpoints",
  "auditLogs",
  "retainData",
  "terminationProtection",
] as const satisfies readonly (keyof Environment)[];

export type EnvironmentOverrides = Partial<Pick<Environment, (typeof OVERRIDABLE_FIELDS)[number]>>;

export const AZ_COUNT = 2;
export const CONTAINER_PORT = 8000;
export const HEALTH_CHECK_PATH = "/health";
export const BUCKET_PREFIXES = ["alerts/", "logs/", "configs/", "data/", "temp/"] as const;

/** `api.dev-alert-engine.<base>`; prod drops the environment prefix. */
export function apiDomain(env: Pick<Environment, "name" | "project" | "baseDomain">): string {
  const label = env.name === "prod" ? env.project : `${env.name}-${env.project}`;
  return `api.${label}.${env.baseDomain}`;
}

/** `https://` and the API domain: the URL clients call. */
export function apiUrl(env: Pick<Environment, "name" | "project" | "baseDomain">): string {
  return `https://${apiDomain(env)}`;
}

export type StackId = "network" | "storage" | "auth" | "backend" | "domain";

/** CloudFormation stack name: `<project>-<stack>-<env>`, e.g. `alert-engine-network-dev`. */
export function stackName(env: Pick<Environment, "name" | "project">, stack: StackId): string {
  return `${env.project}-${stack}-${env.name}`;
}

/** Export name of a stack output: `<project>-<env>-<Name>`. */
export function exportName(env: Pick<Environment, "name" | "project">, output: string): string {
  return `${env.project}-${env.name}-${output}`;
}

/** ECR repository holding the service image. */
export function repositoryName(env: Pick<Environment, "name" | "project">): string {
  return `${env.project}-${env.name}`;
}

/** ECS cluster the network stack creates: `<project>-cluster-<env>`. */
export function clusterName(env: Pick<Environment, "name" | "project">): string {
  return `${env.project}-cluster-${env.name}`;
}

/** `alert-engine-backend-dev`: the name the seed's `aws ecs describe-services` debug command uses. */
export function serviceName(env: Pick<Environment, "name" | "project">): string {
  return `${env.project}-backend-${env.name}`;
}

/** CloudWatch log group of the service's containers: `/aws/ecs/<project>-<env>`. */
export function logGroupName(env: Pick<Environment, "name" | "project">): string {
  return `/aws/ecs/${env.project}-${env.name}`;
}

export function isPlaceholderSecret(arn: string): boolean {
  return arn.includes(PLACEHOLDER_SECRET_SUFFIX);
}
