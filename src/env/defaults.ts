import { PLACEHOLDER_SECRET_SUFFIX, type EnvironmentName, type EnvironmentOverrides } from "./model.js";

/**
 * The seed's figures for each environment, before any user override.
 *
 * VPC endpoints: prod on (image pulls, logs and secrets stay off its two NAT gateways); dev off, as
 * four interface endpoints in two AZs cost more than its NAT traffic; stage off and refused, because
 * its tasks run in public subnets with public IPs and no NAT, so there is no NAT traffic to save.
 */
export const ENVIRONMENT_DEFAULTS: Record<EnvironmentName, Required<Omit<EnvironmentOverrides, "account" | "region" | "secretsArn" | "availabilityZones" | "databaseDestination">>> = {
  dev: {
    imageTag: "latest",
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
    lifecycleRules: true,
    containerInsights: false,
    logLevel: "DEBUG",
    databasePort: 5432,
    vpcEndpoints: false,
    auditLogs: false,
    retainData: false,
    terminationProtection: false,
  },
  stage: {
    imageTag: "latest",
    cpu: 1024,
    memoryMiB: 2048,
    desiredTasks: 1,
    minTasks: 1,
    maxTasks: 3,
    autoScaling: true,
    circuitBreaker: false,
    natGateways: 0,
    logRetentionDays: 14,
    bucketVersioning: true,
    lifecycleRules: true,
    containerInsights: false,
    logLevel: "INFO",
    databasePort: 5432,
    vpcEndpoints: false,
    auditLogs: false,
    retainData: false,
    terminationProtection: false,
  },
  prod: {
    imageTag: "latest",
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
    containerInsights: true,
    logLevel: "INFO",
    databasePort: 5432,
    vpcEndpoints: true,
    auditLogs: true,
    retainData: true,
    terminationProtection: true,
  },
};

export const DEFAULT_PROJECT = "alert-engine";
export const DEFAULT_BASE_DOMAIN = "totogicore.com";
export const DEFAULT_REGION = "us-east-2";

/** The seed names one real secret; its suffix must be filled in per environment before deploying. */
export function placeholderSecretArn(region: string, project: string, env: string): string {
  return `arn:aws:secretsmanager:${region}:000000000000:secret:${project}/${env}-${PLACEHOLDER_SECRET_SUFFIX}`;
}
