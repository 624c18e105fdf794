import { clusterName, logGroupName, type Environment } from "../env/model.js";
import { az, getAtt, join, ref, sub, type Json, type Resource } from "./cfn.js";
import { databaseSecurityGroup, interfaceEndpoints } from "./network-endpoints.js";
import { azIndexes, subnetId, SUBNET_TIERS, VPC_CIDR, type Tier } from "./network-layout.js";
import { dataProtection, defineStack, tagList } from "./stack.js";

const routeTableId = (tier: Tier, index: number) => `${tier}RouteTable${index + 1}`;
const natId = (index: number) => `NatGateway${index + 1}`;

/** One subnet per AZ for a tier, each with its own route table so NAT routes can differ per AZ. */
function subnetTier(env: Environment, tier: Tier): Record<string, Resource> {
  const resources: Record<string, Resource> = {};
  for (const i of azIndexes) {
    resources[subnetId(tier, i)] = {
      Type: "AWS::EC2::Subnet",
      Properties: {
        VpcId: ref("Vpc"),
        CidrBlock: SUBNET_TIERS[tier].cidrs[i]!,
        AvailabilityZone: env.availabilityZones?.[i] ?? az(i),
        MapPublicIpOnLaunch: SUBNET_TIERS[tier].public,
        Tags: tagList(env, { Name: `${env.project}-${env.name}-${tier.toLowerCase()}-${i + 1}` }),
      },
    };
    resources[routeTableId(tier, i)] = {
      Type: "AWS::EC2::RouteTable",
      Properties: { VpcId: ref("Vpc"), Tags: tagList(env, { Name: `${env.project}-${env.name}-${tier.toLowerCase()}-${i + 1}` }) },
    };
    resources[`${subnetId(tier, i)}RouteTableAssociation`] = {
      Type: "AWS::EC2::SubnetRouteTableAssociation",
      Properties: { SubnetId: ref(subnetId(tier, i)), RouteTableId: ref(routeTableId(tier, i)) },
    };
  }
  return resources;
}

/** Internet route for public subnets; NAT gateways and private default routes where the environment has NATs. */
function egress(env: Environment): Record<string, Resource> {
  const resources: Record<string, Resource> = {
    InternetGateway: { Type: "AWS::EC2::InternetGateway", Properties: { Tags: tagList(env) } },
    InternetGatewayAttachment: {
      Type: "AWS::EC2::VPCGatewayAttachment",
      Properties: { VpcId: ref("Vpc"), InternetGatewayId: ref("InternetGateway") },
    },
  };
  for (const i of azIndexes) {
    resources[`PublicDefaultRoute${i + 1}`] = {
      Type: "AWS::EC2::Route",
      DependsOn: "InternetGatewayAttachment",
      Properties: { RouteTableId: ref(routeTableId("Public", i)), DestinationCidrBlock: "0.0.0.0/0", GatewayId: ref("InternetGateway") },
    };
  }
  for (let n = 0; n < env.natGateways; n++) {
    resources[`${natId(n)}Eip`] = {
      Type: "AWS::EC2::EIP",
      DependsOn: "InternetGatewayAttachment",
      Properties: { Domain: "vpc", Tags: tagList(env) },
    };
    resources[natId(n)] = {
      Type: "AWS::EC2::NatGateway",
      Properties: { AllocationId: getAtt(`${natId(n)}Eip`, "AllocationId"), SubnetId: ref(subnetId("Public", n)), Tags: tagList(env) },
    };
  }
  if (env.natGateways > 0) {
    for (const i of azIndexes) {
      // With fewer NATs than AZs, the extra AZs share the last NAT (dev's single-NAT saving).
      resources[`PrivateDefaultRoute${i + 1}`] = {
        Type: "AWS::EC2::Route",
        Properties: { RouteTableId: ref(routeTableId("Private", i)), DestinationCidrBlock: "0.0.0.0/0", NatGatewayId: ref(natId(Math.min(i, env.natGateways - 1))) },
      };
    }
  }
  return resources;
}

const idsOf = (tier: Tier): Json => join(",", azIndexes.map((i) => ref(subnetId(tier, i))));

export const networkStack = defineStack({
  id: "network",
  description: "VPC over two AZs, NAT, VPC endpoints, database security group, ECS cluster and the service log group",
  inputs: {},
  statefulResources: ["ServiceLogGroup"],
  body: (env) => ({
    resources: {
      Vpc: {
        Type: "AWS::EC2::VPC",
        Properties: { CidrBlock: VPC_CIDR, EnableDnsHostnames: true, EnableDnsSupport: true, Tags: tagList(env, { Name: `${env.project}-${env.name}` }) },
      },
      ...subnetTier(env, "Public"),
      ...subnetTier(env, "Private"),
      ...subnetTier(env, "Database"),
      ...egress(env),
      S3GatewayEndpoint: {
        Type: "AWS::EC2::VPCEndpoint",
        Properties: {
          VpcId: ref("Vpc"),
          ServiceName: sub("com.amazonaws.${AWS::Region}.s3"),
          VpcEndpointType: "Gateway",
          Tags: tagList(env),
          RouteTableIds: (["Public", "Private", "Database"] as const).flatMap((tier) => azIndexes.map((i) => ref(routeTableId(tier, i)))),
        },
      },
      ...interfaceEndpoints(env),
      ...databaseSecurityGroup(env),
      Cluster: {
        Type: "AWS::ECS::Cluster",
        Properties: {
          ClusterName: clusterName(env),
          ClusterSettings: [{ Name: "containerInsights", Value: env.containerInsights ? "enabled" : "disabled" }],
          Tags: tagList(env),
        },
      },
      ServiceLogGroup: {
        Type: "AWS::Logs::LogGroup",
        ...dataProtection(env),
        Properties: { LogGroupName: logGroupName(env), RetentionInDays: env.logRetentionDays, Tags: tagList(env) },
      },
    },
    outputs: {
      VpcId: { value: ref("Vpc"), description: "VPC id" },
      DefaultSecurityGroupId: { value: getAtt("Vpc", "DefaultSecurityGroup"), description: "The VPC's default security group, restricted after deploy" },
      PublicSubnetIds: { value: idsOf("Public"), description: "Public subnet ids, comma-separated" },
      PrivateSubnetIds: { value: idsOf("Private"), description: "Private subnet ids (egress through NAT where present), comma-separated" },
      DatabaseSubnetIds: { value: idsOf("Database"), description: "Isolated database subnet ids, comma-separated" },
      DatabaseSecurityGroupId: {
        value: getAtt("DatabaseSecurityGroup", "GroupId"),
        description: "Security group for a database in the database subnets; the backend lets its tasks in on the database port",
      },
      ClusterName: { value: ref("Cluster"), description: "ECS cluster name" },
      ClusterArn: { value: getAtt("Cluster", "Arn"), description: "ECS cluster ARN" },
      LogGroupName: { value: ref("ServiceLogGroup"), description: "Service log group name" },
      LogGroupArn: { value: getAtt("ServiceLogGroup", "Arn"), description: "Service log group ARN" },
    },
  }),
});
