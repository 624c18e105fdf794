/**
 * CloudFormation's express mode, as the CloudFormation User Guide ("Deploy CloudFormation stacks faster with
 * express mode") and the API reference (DeploymentConfig) describe it:
 *
 * - CreateChangeSet takes `DeploymentConfig: { Mode: "STANDARD" | "EXPRESS", DisableRollback }`; "When you execute
 *   the change set, CloudFormation applies the express mode deployment configuration specified during change set
 *   creation". DescribeChangeSet returns it, and DescribeStacks reports the stack's DeploymentConfig.
 * - "In express mode, CloudFormation typically considers a resource operation complete as soon as the API call to
 *   create, update, or delete the resource succeeds": an ECS service is complete while its tasks "might still be
 *   starting or reaching a steady state", a load balancer while it is still provisioning, a record set while its
 *   change is still PENDING. Dependencies are still respected (the fake goes in template order, as ever).
 * - "When you use express mode, CloudFormation disables rollback by default" (re-enabled with
 *   `DisableRollback: false`): a failure leaves the stack CREATE_FAILED / UPDATE_FAILED with what succeeded kept,
 *   and "the failed ones in a failed state until the next update operation is performed" (User Guide, "Choose how
 *   to handle failures when provisioning resources"). The next update retries them: see `resumeBase`.
 */
import type { CreateChangeSetCommandInput, DeploymentConfig } from "@aws-sdk/client-cloudformation";
import { validationError } from "./cloudformation.js";
import type { DesiredStack } from "./change-sets.js";
import { defaultResourceMs } from "./resource-types.js";
import type { StackRecord } from "./stack-state.js";

export interface RecordedDeploymentConfig {
  mode: "STANDARD" | "EXPRESS";
  disableRollback: boolean;
}

/** The change set's deployment configuration; undefined when the request named none (the standard mode). */
export function deploymentConfigOf(input: CreateChangeSetCommandInput): RecordedDeploymentConfig | undefined {
  const config = input.DeploymentConfig;
  if (!config) return undefined;
  const mode = config.Mode ?? "STANDARD";
  // DeploymentConfig API reference: "Valid Values: STANDARD | EXPRESS".
  if (mode !== "STANDARD" && mode !== "EXPRESS") {
    throw validationError(`1 validation error detected: Value '${mode}' at 'deploymentConfig.mode' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]`);
  }
  const express = mode === "EXPRESS";
  // Express disables rollback unless told otherwise; the standard mode keeps the default (false).
  return { mode, disableRollback: config.DisableRollback ?? (express ? true : input.OnStackFailure === "DO_NOTHING") };
}

export function describedConfig(config: RecordedDeploymentConfig | undefined): DeploymentConfig | undefined {
  return config ? { Mode: config.mode, DisableRollback: config.disableRollback } : undefined;
}

/** Test timing: every resource is configured within the default one virtual second. */
export function defaultConfiguredMs(type: string): number {
  return Math.min(1_000, defaultResourceMs(type));
}

/**
 * How long the create/update call itself takes in a real account, for the resources whose standard time is mostly
 * stabilization (realisticResourceMs): the ECS service waits for steady state (180 s), the load balancer for
 * `active` (190 s), the NAT gateway and VPC endpoint for `available`, the record set for INSYNC, IAM for propagation.
 * Everything else already completes when its call returns and takes as long as in the standard mode.
 */
const CONFIGURED_MS: Record<string, number> = {
  "AWS::EC2::VPC": 3_000,
  "AWS::EC2::InternetGateway": 3_000,
  "AWS::EC2::VPCGatewayAttachment": 3_000,
  "AWS::EC2::NatGateway": 4_000,
  "AWS::EC2::VPCEndpoint": 5_000,
  "AWS::IAM::Role": 3_000,
  "AWS::IAM::Policy": 3_000,
  "AWS::Cognito::UserPoolDomain": 5_000,
  "AWS::ECS::Cluster": 3_000,
  "AWS::ECS::Service": 5_000,
  "AWS::ElasticLoadBalancingV2::LoadBalancer": 5_000,
  "AWS::ElasticLoadBalancingV2::TargetGroup": 3_000,
  "AWS::Route53::RecordSet": 2_000,
  "AWS::CloudFront::Distribution": 10_000,
};

/** Realistic express timing: the configuration call only, never longer than the standard time. */
export function realisticConfiguredMs(type: string, standardMs: (type: string) => number): number {
  return Math.min(CONFIGURED_MS[type] ?? Number.POSITIVE_INFINITY, standardMs(type));
}

/**
 * The "before" side of the plan for a stack an operation left CREATE_FAILED / UPDATE_FAILED: each resource as it
 * was last applied (a failed or never reached update keeps its old definition), without the resources that failed
 * to create (so they are added again), and the parameters of the last stable state. Planned against the desired
 * template, this retries what failed and finishes what the failure cut short.
 */
export function resumeBase(stack: StackRecord, current: DesiredStack): { desired: DesiredStack; active: string[] } | undefined {
  if (!stack.resumeFrom || (stack.status !== "CREATE_FAILED" && stack.status !== "UPDATE_FAILED")) return undefined;
  const applied = [...stack.resources.values()].filter((r) => r.status !== "CREATE_FAILED");
  const resources = Object.fromEntries(applied.map((r) => [r.logicalId, r.definition]));
  return {
    desired: { ...current, template: { ...current.template, Resources: resources }, parameters: { ...stack.resumeFrom.parameters } },
    active: applied.map((r) => r.logicalId),
  };
}
