/**
 * TEMPORARY: the ECS layer's contract (ecs-contract.md) as types, until src/aws/ecs.ts and
 * src/orchestrator/rollout.ts land on main; then these become imports of the real ones.
 */
import type { RegisterTaskDefinitionCommandInput, TaskDefinition } from "@aws-sdk/client-ecs";
import type { Clock } from "../clock.js";

export interface EcsDeployment {
  id: string;
  status: string;
  taskDefinition: string;
  rolloutState?: string;
  rolloutStateReason?: string;
  desired: number;
  running: number;
  pending: number;
  failedTasks: number;
  createdAt?: Date;
  updatedAt?: Date;
}

export interface ServiceDetails {
  running: number;
  desired: number;
  targetGroupArns: string[];
  serviceArn: string;
  taskDefinition: string;
  pending: number;
  deployments: EcsDeployment[];
  deploymentConfiguration: { minimumHealthyPercent?: number; maximumPercent?: number; circuitBreaker?: { enable: boolean; rollback: boolean } };
  events: { id?: string; at?: Date; message: string }[];
}

export interface HotswapEcs {
  serviceDetails(cluster: string, service: string, eventLimit?: number): Promise<ServiceDetails | undefined>;
  taskDefinition(arn: string): Promise<TaskDefinition>;
  registerTaskDefinition(input: RegisterTaskDefinitionCommandInput): Promise<string>;
  updateService(cluster: string, service: string, taskDefinitionArn: string): Promise<EcsDeployment>;
}

export interface RolloutSnapshot { running: number; pending: number; desired: number; rolloutState: string; newEvents: string[]; elapsedMs: number }
export type RolloutOutcome =
  | { status: "completed"; deployment: EcsDeployment }
  | { status: "failed"; reason: string; evidence: string[] }
  | { status: "timed-out"; afterMs: number; evidence: string[] };
export type FollowRollout = (args: {
  ecs: HotswapEcs;
  elb?: unknown;
  cluster: string;
  service: string;
  deploymentId: string;
  timeoutMs: number;
  pollMs?: number;
  clock: Clock;
  signal?: AbortSignal;
  onProgress?: (s: RolloutSnapshot) => void;
}) => Promise<RolloutOutcome>;
