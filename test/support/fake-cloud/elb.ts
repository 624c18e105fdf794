/**
 * Just enough ELBv2: load balancer attributes (deletion protection) and target health. Target groups created by
 * CloudFormation keep their health check and draining settings, which the fake ECS rolls out by; their targets are
 * the ECS tasks registered in them, unless a test seeds the answer outright.
 */
import type {
  DescribeTargetHealthCommandInput,
  DescribeTargetHealthCommandOutput,
  ModifyLoadBalancerAttributesCommandInput,
  ModifyLoadBalancerAttributesCommandOutput,
  TargetHealthDescription,
  TargetHealthReasonEnum,
  TargetHealthStateEnum,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { TargetGroupNotFoundException } from "@aws-sdk/client-elastic-load-balancing-v2";
import { DEFAULT_TARGET_GROUP, type TargetGroupSettings, type TaskRecord } from "./ecs-state.js";
import { awsError } from "./errors.js";
import type { Handlers, Out } from "./world.js";

export interface TargetHealthSeed {
  state: TargetHealthStateEnum;
  reason?: TargetHealthReasonEnum;
  description?: string;
  targetId?: string;
  port?: number;
}

/** The tasks registered in a target group, with the port they serve on (from the ECS model). */
export type RegisteredTasks = (targetGroupArn: string) => { task: TaskRecord; port: number }[] | undefined;

export class FakeElb {
  /** When set, DescribeTargetHealth answers this for every target group (tests that only need an answer). */
  targets: TargetHealthSeed[] | undefined;
  /** Load balancer attributes changed through the API, by ARN, over what the template set. */
  readonly attributeChanges = new Map<string, Record<string, string>>();
  /** Load balancer attributes as CloudFormation last set them, by ARN: the template's, intrinsics evaluated. */
  readonly declaredAttributes = new Map<string, unknown>();
  readonly targetGroups = new Map<string, TargetGroupSettings>();

  constructor(private readonly registered: RegisteredTasks) {}

  /** An AWS::ElasticLoadBalancingV2::TargetGroup's evaluated Properties; ELBv2's defaults where silent. */
  targetGroupCreated(arn: string, properties: Record<string, unknown>): void {
    const attributes = (properties["TargetGroupAttributes"] ?? []) as { Key?: string; Value?: string }[];
    const delay = attributes.find((a) => a.Key === "deregistration_delay.timeout_seconds")?.Value;
    const number = (key: string, fallback: number) => (properties[key] === undefined ? fallback : Number(properties[key]));
    this.targetGroups.set(arn, {
      intervalMs: number("HealthCheckIntervalSeconds", DEFAULT_TARGET_GROUP.intervalMs / 1000) * 1000,
      healthyThreshold: number("HealthyThresholdCount", DEFAULT_TARGET_GROUP.healthyThreshold),
      unhealthyThreshold: number("UnhealthyThresholdCount", DEFAULT_TARGET_GROUP.unhealthyThreshold),
      deregistrationDelayMs: delay === undefined ? DEFAULT_TARGET_GROUP.deregistrationDelayMs : Number(delay) * 1000,
    });
  }

  handlers(): Handlers {
    return {
      ModifyLoadBalancerAttributes: (input: ModifyLoadBalancerAttributesCommandInput): Out<ModifyLoadBalancerAttributesCommandOutput> => {
        const arn = input.LoadBalancerArn ?? "";
        const changes = { ...this.attributeChanges.get(arn) };
        for (const a of input.Attributes ?? []) changes[a.Key ?? ""] = a.Value ?? "";
        this.attributeChanges.set(arn, changes);
        return { Attributes: input.Attributes ?? [] };
      },
      DescribeTargetHealth: (input: DescribeTargetHealthCommandInput): Out<DescribeTargetHealthCommandOutput> => {
        if (this.targets) return { TargetHealthDescriptions: this.targets.map(seeded) };
        const arn = input.TargetGroupArn ?? "";
        const tasks = this.registered(arn);
        if (!tasks && !this.targetGroups.has(arn)) {
          throw awsError(TargetGroupNotFoundException, "TargetGroupNotFoundException", `One or more target groups not found`);
        }
        return { TargetHealthDescriptions: (tasks ?? []).filter(({ task }) => task.target !== "none").map(({ task, port }) => described(task, port)) };
      },
    };
  }
}

function seeded(t: TargetHealthSeed, i: number): TargetHealthDescription {
  return {
    Target: { Id: t.targetId ?? `10.0.16.${10 + i}`, Port: t.port ?? 8080 },
    HealthCheckPort: String(t.port ?? 8080),
    TargetHealth: {
      State: t.state,
      ...(t.reason !== undefined ? { Reason: t.reason } : {}),
      ...(t.description !== undefined ? { Description: t.description } : {}),
    },
  };
}

/**
 * A registered task as DescribeTargetHealth shows it: `initial` with Elb.RegistrationInProgress until it passes its
 * checks, `draining` with Target.DeregistrationInProgress, `unhealthy` with the seeded reason (ELBv2 API Reference, TargetHealth).
 */
function described(task: TaskRecord, port: number): TargetHealthDescription {
  const health: Record<string, { State: TargetHealthStateEnum; Reason?: TargetHealthReasonEnum; Description?: string }> = {
    initial: { State: "initial", Reason: "Elb.RegistrationInProgress", Description: "Target registration is in progress" },
    healthy: { State: "healthy" },
    draining: { State: "draining", Reason: "Target.DeregistrationInProgress", Description: "Target deregistration is in progress" },
    unhealthy: {
      State: "unhealthy",
      Reason: (task.unhealthy?.reason ?? "Target.FailedHealthChecks") as TargetHealthReasonEnum,
      Description: task.unhealthy?.description ?? "Health checks failed",
    },
  };
  return { Target: { Id: task.ip, Port: port }, HealthCheckPort: String(port), TargetHealth: health[task.target] ?? { State: "unused" } };
}
