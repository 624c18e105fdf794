/**
 * What the network adds for the server's traffic inside the VPC: interface endpoints so image pulls,
 * logs and secrets stay off the NAT gateways, and the security group a database in the database
 * subnets wears. Both live in the network stack because they outlive any one backend deploy.
 */
import type { Environment } from "../env/model.js";
import { getAtt, ref, sub, type Resource } from "./cfn.js";
import { azIndexes, subnetId, SUBNET_TIERS } from "./network-layout.js";
import { NO_EGRESS, tcp } from "./security-group-rules.js";
import { tagList } from "./stack.js";

/**
 * What a Fargate task (platform 1.4+) in a private subnet calls at start and while running: the ECR API
 * and registry for the image (its layers come from S3, through the gateway endpoint), CloudWatch Logs
 * for the awslogs driver, and Secrets Manager for the task's secrets.
 */
const INTERFACE_SERVICES = { EcrApi: "ecr.api", EcrDocker: "ecr.dkr", Logs: "logs", SecretsManager: "secretsmanager" } as const;

/** Empty unless the environment asks for endpoints (validation refuses them without private-subnet tasks). */
export function interfaceEndpoints(env: Environment): Record<string, Resource> {
  if (!env.vpcEndpoints) return {};
  const resources: Record<string, Resource> = {
    EndpointSecurityGroup: {
      Type: "AWS::EC2::SecurityGroup",
      Properties: {
        GroupDescription: `${env.project} ${env.name} VPC interface endpoints: HTTPS from the private subnets`,
        VpcId: ref("Vpc"),
        // The tasks run in the private subnets; their group lives in the backend stack, which is
        // deployed after this one, so the rule names the subnets rather than that group.
        SecurityGroupIngress: SUBNET_TIERS.Private.cidrs.map((cidr) => tcp(443, { CidrIp: cidr }, `HTTPS from private subnet ${cidr}`)),
        SecurityGroupEgress: [NO_EGRESS],
        Tags: tagList(env, { Name: `${env.project}-${env.name}-endpoints` }),
      },
    },
  };
  for (const [name, service] of Object.entries(INTERFACE_SERVICES)) {
    resources[`${name}Endpoint`] = {
      Type: "AWS::EC2::VPCEndpoint",
      Properties: {
        VpcId: ref("Vpc"),
        ServiceName: sub(`com.amazonaws.\${AWS::Region}.${service}`),
        VpcEndpointType: "Interface",
        // The service's public name resolves to the endpoint inside the VPC (needs the VPC's DNS
        // support and hostnames, both on), so the SDKs and the ECS agent need no endpoint URLs.
        PrivateDnsEnabled: true,
        SubnetIds: azIndexes.map((i) => ref(subnetId("Private", i))),
        SecurityGroupIds: [getAtt("EndpointSecurityGroup", "GroupId")],
        Tags: tagList(env),
      },
    };
  }
  return resources;
}

/**
 * A group for a database stack to attach to its cluster. It starts closed: the backend stack adds
 * the one ingress rule (from its tasks' group, on databasePort), since that group is the backend's.
 */
export function databaseSecurityGroup(env: Environment): Record<string, Resource> {
  return {
    DatabaseSecurityGroup: {
      Type: "AWS::EC2::SecurityGroup",
      Properties: {
        // No port in the description: changing GroupDescription replaces the group, and a database would hold it.
        GroupDescription: `${env.project} ${env.name} database: the database port from the backend tasks only`,
        VpcId: ref("Vpc"),
        // A database answers connections, it never opens them.
        SecurityGroupEgress: [NO_EGRESS],
        Tags: tagList(env, { Name: `${env.project}-${env.name}-database` }),
      },
    },
  };
}
