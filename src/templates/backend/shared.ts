/**
 * What the backend modules share: the stack's declared inputs (a contract with their producers),
 * and the logical ids they reference across module boundaries.
 */
import type { Environment } from "../../env/model.js";
import type { Json } from "../cfn.js";
import { from, fromList, onlyWhen } from "../stack.js";

/** Without NAT gateways (stage) private subnets have no route out, so tasks sit in public subnets with public IPs. */
export const tasksInPrivateSubnets = (env: Environment): boolean => env.natGateways > 0;

export const BACKEND_INPUTS = {
  VpcId: from("network", "VpcId"),
  PublicSubnetIds: fromList("network", "PublicSubnetIds"),
  PrivateSubnetIds: onlyWhen(fromList("network", "PrivateSubnetIds"), tasksInPrivateSubnets),
  DatabaseSecurityGroupId: from("network", "DatabaseSecurityGroupId"),
  ClusterName: from("network", "ClusterName"),
  LogGroupName: from("network", "LogGroupName"),
  LogGroupArn: from("network", "LogGroupArn"),
  BucketName: from("storage", "BucketName"),
  BucketArn: from("storage", "BucketArn"),
  AccessLogBucketName: onlyWhen(from("storage", "AccessLogBucketName"), (env) => env.auditLogs),
  UserPoolId: from("auth", "UserPoolId"),
  UserPoolArn: from("auth", "UserPoolArn"),
  UserPoolClientId: from("auth", "UserPoolClientId"),
  IdentityPoolId: from("auth", "IdentityPoolId"),
  CertificateArn: from("certificate", "CertificateArn"),
  ImageUri: from("context", "ImageUri"),
  // From the environment's config, passed at deploy time so that no template carries an account's secret.
  SecretsArn: from("context", "SecretsArn"),
};

export type BackendInput = keyof typeof BACKEND_INPUTS & string;
export type Param = (name: BackendInput) => Json;

export const ID = {
  executionRole: "ExecutionRole",
  taskRole: "TaskRole",
  loadBalancerSecurityGroup: "LoadBalancerSecurityGroup",
  taskSecurityGroup: "TaskSecurityGroup",
  loadBalancer: "LoadBalancer",
  targetGroup: "TargetGroup",
  httpsListener: "HttpsListener",
  httpListener: "HttpListener",
  taskDefinition: "TaskDefinition",
  service: "Service",
  scalableTarget: "ScalableTarget",
} as const;

/** The one container of the task; the service's load balancer mapping names it too. */
export const CONTAINER_NAME = "mcp-server";
