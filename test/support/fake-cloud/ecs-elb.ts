/**
 * Just enough ECS and ELBv2 to diagnose a backend that does not stabilise: why tasks stopped,
 * why targets are unhealthy. Healthy by default; tests seed the trouble they want.
 */
import type {
  DescribeServicesCommandInput,
  DescribeServicesCommandOutput,
  DescribeTasksCommandInput,
  DescribeTasksCommandOutput,
  ListTasksCommandInput,
  ListTasksCommandOutput,
} from "@aws-sdk/client-ecs";
import type {
  DescribeTargetHealthCommandInput,
  DescribeTargetHealthCommandOutput,
  ModifyLoadBalancerAttributesCommandInput,
  ModifyLoadBalancerAttributesCommandOutput,
  TargetHealthReasonEnum,
  TargetHealthStateEnum,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { hashOf } from "./ids.js";
import type { CallContext, Handlers, Out, World } from "./world.js";

export interface EcsTrouble {
  /** The task's stoppedReason, e.g. "Essential container in task exited". */
  stoppedReason: string;
  /** The container's reason, e.g. "CannotPullContainerError: ...". */
  containerReason?: string;
  exitCode?: number;
}

export interface TargetHealthSeed {
  state: TargetHealthStateEnum;
  reason?: TargetHealthReasonEnum;
  description?: string;
  targetId?: string;
  port?: number;
}

export class FakeEcsAndElb {
  trouble: EcsTrouble | undefined;
  targets: TargetHealthSeed[] = [{ state: "healthy", targetId: "10.0.16.10", port: 8080 }];
  /** Load balancer attributes changed through the API, by ARN, over what the template set. */
  readonly attributeChanges = new Map<string, Record<string, string>>();

  constructor(private readonly world: World) {}

  handlers(): { ecs: Handlers; elb: Handlers } {
    const self = this;
    const account = this.world.account;
    const clusterArn = (cluster: string | undefined, region: string) =>
      cluster?.startsWith("arn:") ? cluster : `arn:aws:ecs:${region}:${account}:cluster/${cluster ?? "default"}`;
    const taskArn = (cluster: string | undefined, region: string, n: number) =>
      `arn:aws:ecs:${region}:${account}:task/${(cluster ?? "default").split("/").pop()}/${hashOf("task", cluster ?? "", String(n)).slice(0, 32)}`;
    const ecs: Handlers = {
      DescribeServices(input: DescribeServicesCommandInput, context: CallContext): Out<DescribeServicesCommandOutput> {
        const running = self.trouble ? 0 : 1;
        return {
          services: (input.services ?? []).map((service) => {
            const name = service.split("/").pop() ?? service;
            return {
              serviceArn: service.startsWith("arn:") ? service : `arn:aws:ecs:${context.region}:${account}:service/${(input.cluster ?? "default").split("/").pop()}/${name}`,
              serviceName: name,
              clusterArn: clusterArn(input.cluster, context.region),
              status: "ACTIVE",
              desiredCount: 1,
              runningCount: running,
              pendingCount: 0,
              launchType: "FARGATE" as const,
              deployments: [
                {
                  id: `ecs-svc/${hashOf("deployment", name).slice(0, 19)}`,
                  status: "PRIMARY",
                  desiredCount: 1,
                  runningCount: running,
                  pendingCount: 0,
                  failedTasks: self.trouble ? 3 : 0,
                  rolloutState: self.trouble ? ("IN_PROGRESS" as const) : ("COMPLETED" as const),
                  rolloutStateReason: self.trouble ? "ECS deployment circuit breaker: tasks failed to start." : "ECS deployment completed.",
                },
              ],
              events: self.trouble
                ? [{ id: "1", createdAt: new Date(self.world.clock.now()), message: `(service ${name}) has started 1 tasks: (task ${taskArn(input.cluster, context.region, 1).split("/").pop()}).` }]
                : [{ id: "1", createdAt: new Date(self.world.clock.now()), message: `(service ${name}) has reached a steady state.` }],
            };
          }),
          failures: [],
        };
      },
      ListTasks(input: ListTasksCommandInput, context: CallContext): Out<ListTasksCommandOutput> {
        const stopped = input.desiredStatus === "STOPPED";
        const count = stopped ? (self.trouble ? 2 : 0) : self.trouble ? 0 : 1;
        return { taskArns: Array.from({ length: count }, (_, i) => taskArn(input.cluster, context.region, i + (stopped ? 1 : 100))) };
      },
      DescribeTasks(input: DescribeTasksCommandInput, context: CallContext): Out<DescribeTasksCommandOutput> {
        const trouble = self.trouble;
        return {
          tasks: (input.tasks ?? []).map((arn) => ({
            taskArn: arn,
            clusterArn: clusterArn(input.cluster, context.region),
            lastStatus: trouble ? "STOPPED" : "RUNNING",
            desiredStatus: trouble ? "STOPPED" : "RUNNING",
            ...(trouble ? { stoppedReason: trouble.stoppedReason, stopCode: "EssentialContainerExited" as const, stoppedAt: new Date(self.world.clock.now()) } : {}),
            containers: [
              {
                name: "app",
                lastStatus: trouble ? "STOPPED" : "RUNNING",
                ...(trouble?.containerReason !== undefined ? { reason: trouble.containerReason } : {}),
                ...(trouble ? { exitCode: trouble.exitCode ?? 1 } : {}),
              },
            ],
          })),
          failures: [],
        };
      },
    };
    const elb: Handlers = {
      ModifyLoadBalancerAttributes(input: ModifyLoadBalancerAttributesCommandInput): Out<ModifyLoadBalancerAttributesCommandOutput> {
        const arn = input.LoadBalancerArn ?? "";
        const changes = { ...self.attributeChanges.get(arn) };
        for (const a of input.Attributes ?? []) changes[a.Key ?? ""] = a.Value ?? "";
        self.attributeChanges.set(arn, changes);
        return { Attributes: input.Attributes ?? [] };
      },
      DescribeTargetHealth(_input: DescribeTargetHealthCommandInput): Out<DescribeTargetHealthCommandOutput> {
        return {
          TargetHealthDescriptions: self.targets.map((t, i) => ({
            Target: { Id: t.targetId ?? `10.0.16.${10 + i}`, Port: t.port ?? 8080 },
            HealthCheckPort: String(t.port ?? 8080),
            TargetHealth: {
              State: t.state,
              ...(t.reason !== undefined ? { Reason: t.reason } : {}),
              ...(t.description !== undefined ? { Description: t.description } : {}),
            },
          })),
        };
      },
    };
    return { ecs, elb };
  }
}
