/**
 * The ECS service that keeps the tasks running behind the target group, and the target-tracking
 * scaling that environments with auto scaling put on its desired count.
 */
import { CONTAINER_PORT, serviceName, type Environment } from "../../env/model.js";
import { getAtt, join, ref, type Json, type Resource } from "../cfn.js";
import { tagList } from "../stack.js";
import { CONTAINER_NAME, ID, tasksInPrivateSubnets, type Param } from "./shared.js";

/** Private subnets behind NAT where there is NAT; otherwise public subnets with public IPs (see tasksInPrivateSubnets). */
function placement(env: Environment, param: Param): Json {
  const viaNat = tasksInPrivateSubnets(env);
  return {
    AwsvpcConfiguration: {
      Subnets: param(viaNat ? "PrivateSubnetIds" : "PublicSubnetIds"),
      AssignPublicIp: viaNat ? "DISABLED" : "ENABLED",
      SecurityGroups: [getAtt(ID.taskSecurityGroup, "GroupId")],
    },
  };
}

export function service(env: Environment, param: Param): Resource {
  return {
    Type: "AWS::ECS::Service",
    // The target group must be attached to the load balancer (by the listener) before ECS registers tasks in it.
    DependsOn: ID.httpsListener,
    Properties: {
      ServiceName: serviceName(env),
      Cluster: param("ClusterName"),
      LaunchType: "FARGATE",
      TaskDefinition: ref(ID.taskDefinition),
      // Under auto-scaling the count belongs to the scaler: a DesiredCount here would reset a scaled-out prod
      // to its minimum on every image deploy (aws-cdk#3919). ECS starts at 1 and the target's MinCapacity lifts it.
      ...(env.autoScaling ? {} : { DesiredCount: env.desiredTasks }),
      DeploymentConfiguration: {
        // Start replacements before stopping old tasks, so a one-task environment keeps serving during deploys.
        MinimumHealthyPercent: 100,
        MaximumPercent: 200,
        DeploymentCircuitBreaker: { Enable: env.circuitBreaker, Rollback: env.circuitBreaker },
      },
      NetworkConfiguration: placement(env, param),
      LoadBalancers: [{ ContainerName: CONTAINER_NAME, ContainerPort: CONTAINER_PORT, TargetGroupArn: ref(ID.targetGroup) }],
      // Covers the container health check's start period plus two passing ALB checks.
      HealthCheckGracePeriodSeconds: 90,
      EnableExecuteCommand: false,
      EnableECSManagedTags: true,
      PropagateTags: "SERVICE",
      Tags: tagList(env),
    },
  };
}

const targetTracking = (metric: string, target: number): Json => ({
  PredefinedMetricSpecification: { PredefinedMetricType: metric },
  TargetValue: target,
  // Scale out fast on load, scale in slowly so a brief lull does not drop capacity.
  ScaleOutCooldown: 60,
  ScaleInCooldown: 300,
});

/** Empty when the environment does not scale (dev): the service then runs exactly desiredTasks. */
export function scaling(env: Environment, param: Param): Record<string, Resource> {
  if (!env.autoScaling) return {};
  return {
    // RoleARN is omitted so Application Auto Scaling uses its ECS service-linked role.
    [ID.scalableTarget]: {
      Type: "AWS::ApplicationAutoScaling::ScalableTarget",
      Properties: {
        ServiceNamespace: "ecs",
        ScalableDimension: "ecs:service:DesiredCount",
        ResourceId: join("/", ["service", param("ClusterName"), getAtt(ID.service, "Name")]),
        MinCapacity: env.minTasks,
        MaxCapacity: env.maxTasks,
        Tags: tagList(env),
      },
    },
    CpuScalingPolicy: {
      Type: "AWS::ApplicationAutoScaling::ScalingPolicy",
      Properties: {
        PolicyName: `${serviceName(env)}-cpu`,
        PolicyType: "TargetTrackingScaling",
        ScalingTargetId: ref(ID.scalableTarget),
        TargetTrackingScalingPolicyConfiguration: targetTracking("ECSServiceAverageCPUUtilization", 65),
      },
    },
    MemoryScalingPolicy: {
      Type: "AWS::ApplicationAutoScaling::ScalingPolicy",
      Properties: {
        PolicyName: `${serviceName(env)}-memory`,
        PolicyType: "TargetTrackingScaling",
        ScalingTargetId: ref(ID.scalableTarget),
        TargetTrackingScalingPolicyConfiguration: targetTracking("ECSServiceAverageMemoryUtilization", 75),
      },
    },
  };
}
