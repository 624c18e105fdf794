/**
 * What the backend modules share: the stack's declared inputs (a contract with their producers),
 * and the logical ids they reference across module boundaries.
 */
import type { Json } from "../cfn.js";
import { from, fromList } from "../stack.js";

export const BACKEND_INPUTS = {
  VpcId: from("network", "VpcId"),
  PublicSubnetIds: fromList("network", "PublicSubnetIds"),
  PrivateSubnetIds: fromList("network", "PrivateSubnetIds"),
  ClusterName: from("network", "ClusterName"),
  LogGroupName: from("network", "LogGroupName"),
  LogGroupArn: from("network", "LogGroupArn"),
  BucketName: from("storage", "BucketName"),
  BucketArn: from("storage", "BucketArn"),
  UserPoolId: from("auth", "UserPoolId"),
  UserPoolArn: from("auth", "UserPoolArn"),
  UserPoolClientId: from("auth", "UserPoolClientId"),
  CertificateArn: from("certificate", "CertificateArn"),
  ImageUri: from("context", "ImageUri"),
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
