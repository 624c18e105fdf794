/**
 * The fake ECS: one registry of task definitions and one set of services, fed alike by CloudFormation
 * (AWS::ECS::TaskDefinition, AWS::ECS::Service) and by the API (RegisterTaskDefinition, UpdateService), so a
 * stack update and a hotswap both start deployments that roll out over the fake's virtual clock.
 * Healthy by default; tests seed the trouble they want (a crashing image, failing health checks).
 */
import { ClientException, InvalidParameterException, ServiceNotActiveException, ServiceNotFoundException } from "@aws-sdk/client-ecs";
import { ecsHandlers } from "./ecs-api.js";
import { EcsServices, type ServiceSpec } from "./ecs-services.js";
import { DEFAULT_ECS_TIMING, type EcsTiming, type EcsTrouble, type ServiceRecord, type TargetGroupSettings, type TaskRecord, type UnhealthySeed } from "./ecs-state.js";
import { taskDefinitionFromTemplate, TaskDefinitionRegistry } from "./ecs-task-definitions.js";
import { awsError } from "./errors.js";
import type { Stabilization } from "./stack-steps.js";
import type { Handlers, World } from "./world.js";


export class FakeEcs {
  readonly registry: TaskDefinitionRegistry;
  readonly model: EcsServices;
  /** Every task started from now on stops this way (the seed's "ECS tasks keep stopping"). */
  trouble: EcsTrouble | undefined;
  /** Tasks whose image or task definition ARN contains `match` stop this way. */
  readonly troubleByImage: { match: string; trouble: EcsTrouble }[] = [];
  readonly unhealthyByImage: { match: string; seed: UnhealthySeed }[] = [];
  /** The deployment each CloudFormation create/update of a service waits for, by service ARN. */
  private readonly awaited = new Map<string, string>();
  /** The task definition a service ran before CloudFormation's update: what an update rollback returns it to. */
  private readonly before = new Map<string, string>();

  constructor(
    private readonly world: World,
    targetGroup: (arn: string) => TargetGroupSettings | undefined,
    timing: Partial<EcsTiming> = {},
  ) {
    this.registry = new TaskDefinitionRegistry(world.region, world.account, () => world.clock.now());
    this.model = new EcsServices(
      world,
      {
        targetGroup,
        troubleFor: (task) => this.troubleByImage.find((t) => matches(task, t.match))?.trouble ?? this.trouble,
        unhealthyFor: (task) => this.unhealthyByImage.find((t) => matches(task, t.match))?.seed,
        imageOf: (arn) => {
          const container = this.registry.find(arn)?.containerDefinitions?.find((c) => c.essential !== false);
          return { image: container?.image ?? "unknown", containerName: container?.name ?? "app" };
        },
      },
      { ...DEFAULT_ECS_TIMING, ...timing },
    );
  }

  handlers(): Handlers {
    return ecsHandlers(this, this.world);
  }

  /** The service a request names, or ServiceNotFoundException as ECS answers. */
  mustFindService(cluster: string | undefined, service: string): ServiceRecord {
    const found = this.model.find(cluster, service);
    if (!found) throw awsError(ServiceNotFoundException, "ServiceNotFoundException", "Service not found.");
    return found;
  }

  /** UpdateService as ECS does it: the task definition must exist and the service be ACTIVE. */
  updateService(input: { cluster?: string; service?: string; taskDefinition?: string; desiredCount?: number; forceNewDeployment?: boolean }): ServiceRecord {
    const service = this.mustFindService(input.cluster, input.service ?? "");
    if (service.status !== "ACTIVE") throw awsError(ServiceNotActiveException, "ServiceNotActiveException", "Service was not ACTIVE.");
    let taskDefinition: string | undefined;
    if (input.taskDefinition !== undefined) {
      const found = this.registry.find(input.taskDefinition);
      if (!found || found.status !== "ACTIVE") throw awsError(ClientException, "ClientException", "TaskDefinition not found.");
      taskDefinition = found.taskDefinitionArn!;
    }
    this.model.update(service, { taskDefinition, desiredCount: input.desiredCount, forceNewDeployment: input.forceNewDeployment });
    return service;
  }

  // ---- CloudFormation's side ----

  /** AWS::ECS::TaskDefinition created or replaced: CloudFormation registers a revision. */
  taskDefinitionCreated(arn: string, properties: Record<string, unknown>): void {
    const revision = Number(arn.split(":").pop());
    this.registry.register(taskDefinitionFromTemplate(properties), `arn:aws:iam::${this.world.account}:role/cloudformation`, revision);
  }

  /** CloudFormation called CreateService or UpdateService for an AWS::ECS::Service at `at`. */
  serviceStarted(arn: string, properties: Record<string, unknown>, action: "create" | "update", at: number): void {
    const spec = serviceSpec(arn, properties);
    const existing = this.model.services.get(arn);
    const service = action === "create" || !existing || existing.status !== "ACTIVE" ? this.model.create(spec, at) : existing;
    if (service === existing) {
      this.before.set(arn, existing.taskDefinition);
      const { arn: _arn, loadBalancers: _links, ...change } = spec;
      this.model.update(service, change, at);
    }
    this.awaited.set(arn, service.deployments[0]!.id);
  }

  /** A stack seeded as already deployed: its service runs the template's task definition, steady. */
  serviceSeeded(arn: string, properties: Record<string, unknown>): void {
    this.model.create(serviceSpec(arn, properties), undefined, { steady: true });
  }

  /** An update rollback: CloudFormation calls UpdateService with the task definition the service had before. */
  serviceReverted(arn: string, at: number): void {
    const service = this.model.services.get(arn);
    const previous = this.before.get(arn);
    if (service?.status === "ACTIVE" && previous && previous !== service.taskDefinition) this.model.update(service, { taskDefinition: previous }, at);
  }

  /**
   * CloudFormation waits for the service to reach a steady state: the deployment it started COMPLETED. A deployment
   * the circuit breaker failed fails the resource, with the message CloudFormation gives for it.
   */
  stabilization(arn: string, at: number): Stabilization {
    this.model.advance(at);
    const service = this.model.services.get(arn);
    const deployment = service?.deployments.find((d) => d.id === this.awaited.get(arn));
    if (!service || !deployment) return { state: "stable" };
    if (deployment.rolloutState === "FAILED") return { state: "failed", reason: `Resource handler returned message: "Error occurred during operation 'ECS Deployment Circuit Breaker was triggered'." (HandlerErrorCode: GeneralServiceException)` };
    return deployment.rolloutState === "COMPLETED" && deployment.updatedAt <= at ? { state: "stable" } : { state: "waiting" };
  }

  serviceDeleted(arn: string): void {
    const service = this.model.services.get(arn);
    if (service) this.model.delete(service);
  }

  taskDefinitionDeleted(arn: string): void {
    this.registry.deregister(arn);
  }
}

const matches = (task: TaskRecord, match: string) => task.image.includes(match) || task.taskDefinition.includes(match);

export function invalidParameter(message: string): Error {
  return awsError(InvalidParameterException, "InvalidParameterException", message);
}

/** An AWS::ECS::Service's evaluated Properties in the model's terms; ECS's defaults where the template is silent. */
function serviceSpec(arn: string, p: Record<string, unknown>): ServiceSpec {
  const config = (p["DeploymentConfiguration"] ?? {}) as Record<string, unknown>;
  const breaker = config["DeploymentCircuitBreaker"] as { Enable?: unknown; Rollback?: unknown } | undefined;
  const links = (p["LoadBalancers"] ?? []) as Record<string, unknown>[];
  const number = (value: unknown) => (value === undefined ? undefined : Number(value));
  return {
    arn,
    desiredCount: number(p["DesiredCount"]),
    taskDefinition: String(p["TaskDefinition"] ?? ""),
    minimumHealthyPercent: number(config["MinimumHealthyPercent"]),
    maximumPercent: number(config["MaximumPercent"]),
    circuitBreaker: breaker ? { enable: String(breaker.Enable) === "true", rollback: String(breaker.Rollback) === "true" } : undefined,
    loadBalancers: links
      .filter((l) => l["TargetGroupArn"])
      .map((l) => ({ targetGroupArn: String(l["TargetGroupArn"]), containerName: String(l["ContainerName"] ?? ""), containerPort: Number(l["ContainerPort"] ?? 0) })),
    healthCheckGracePeriodSeconds: number(p["HealthCheckGracePeriodSeconds"]),
  };
}
