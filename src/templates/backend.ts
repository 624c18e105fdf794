/**
 * The MCP server itself: Fargate service behind an HTTPS load balancer, its roles and security
 * groups, and auto scaling where the environment asks for it. It holds no data, so nothing is retained.
 * The pieces live in ./backend/ (roles, security groups, load balancing, task, service and scaling).
 */
import { getAtt, ref } from "./cfn.js";
import { defineStack } from "./stack.js";
import { loadBalancing } from "./backend/load-balancer.js";
import { roles } from "./backend/roles.js";
import { securityGroups } from "./backend/security-groups.js";
import { scaling, service } from "./backend/service.js";
import { BACKEND_INPUTS, ID } from "./backend/shared.js";
import { taskDefinition } from "./backend/task.js";

export const backendStack = defineStack({
  id: "backend",
  description: "MCP server on ECS Fargate behind an HTTPS application load balancer, with auto scaling",
  inputs: BACKEND_INPUTS,
  statefulResources: [],
  body: (env, param) => ({
    resources: {
      ...roles(env, param),
      ...securityGroups(env, param),
      ...loadBalancing(env, param),
      [ID.taskDefinition]: taskDefinition(env, param),
      [ID.service]: service(env, param),
      ...scaling(env, param),
    },
    outputs: {
      LoadBalancerDnsName: { value: getAtt(ID.loadBalancer, "DNSName"), description: "Load balancer DNS name (alias target of the API record)" },
      LoadBalancerCanonicalHostedZoneId: { value: getAtt(ID.loadBalancer, "CanonicalHostedZoneID"), description: "Load balancer hosted zone id, for the alias record" },
      LoadBalancerArn: { value: ref(ID.loadBalancer), description: "Load balancer ARN" },
      LoadBalancerFullName: { value: getAtt(ID.loadBalancer, "LoadBalancerFullName"), description: "Load balancer full name, the CloudWatch metric dimension" },
      TargetGroupArn: { value: ref(ID.targetGroup), description: "Target group ARN, for describe-target-health" },
      TargetGroupFullName: { value: getAtt(ID.targetGroup, "TargetGroupFullName"), description: "Target group full name, the CloudWatch metric dimension" },
      ServiceName: { value: getAtt(ID.service, "Name"), description: "ECS service name" },
      ServiceArn: { value: getAtt(ID.service, "ServiceArn"), description: "ECS service ARN" },
      TaskDefinitionArn: { value: ref(ID.taskDefinition), description: "Task definition ARN (revision deployed by this stack)" },
      TaskRoleArn: { value: getAtt(ID.taskRole, "Arn"), description: "IAM role the MCP server runs as" },
    },
  }),
});
