import { describe, expect, it } from "vitest";
import type { Environment, EnvironmentName } from "../src/env/model.js";
import type { Json, Resource, Template } from "../src/templates/cfn.js";
import { networkStack } from "../src/templates/network.js";
import { synthesize } from "../src/templates/stack.js";
import { deployableConfigDir } from "./support/deploy-harness.js";
import { loadEnvironment } from "../src/env/load.js";

const configDir = deployableConfigDir("123456789012");
const env = (name: EnvironmentName, overrides: Partial<Environment> = {}): Environment => ({ ...loadEnvironment(name, { cwd: configDir, vars: {} }), ...overrides });
const network = (name: EnvironmentName, overrides: Partial<Environment> = {}) => synthesize(networkStack, env(name, overrides));

const ofType = (template: Template, type: string): [string, Resource][] => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
const props = (template: Template, id: string): Record<string, any> => template.Resources[id]?.Properties ?? {};
/** The route table a subnet is associated with. */
const routeTableOf = (template: Template, subnet: string): Json | undefined =>
  ofType(template, "AWS::EC2::SubnetRouteTableAssociation").find(([, r]) => JSON.stringify(r.Properties?.SubnetId) === JSON.stringify({ Ref: subnet }))?.[1].Properties?.RouteTableId;
/** Default routes (0.0.0.0/0) by route table, with their target. */
const defaultRoutes = (template: Template) =>
  ofType(template, "AWS::EC2::Route")
    .map(([, r]) => r.Properties ?? {})
    .filter((p) => p.DestinationCidrBlock === "0.0.0.0/0")
    .map((p) => ({ table: JSON.stringify(p.RouteTableId), via: p.NatGatewayId ?? p.GatewayId }));

describe("network stack, per environment", () => {
  it("builds public, private and isolated database subnets in two AZs", () => {
    for (const name of ["dev", "stage", "prod"] as const) {
      const t = network(name);
      const subnets = ofType(t, "AWS::EC2::Subnet").map(([id]) => id).sort();
      expect(subnets).toEqual(["DatabaseSubnet1", "DatabaseSubnet2", "PrivateSubnet1", "PrivateSubnet2", "PublicSubnet1", "PublicSubnet2"]);
      expect(props(t, "PublicSubnet1").AvailabilityZone).toEqual({ "Fn::Select": ["0", { "Fn::GetAZs": "" }] });
      expect(props(t, "PublicSubnet2").AvailabilityZone).toEqual({ "Fn::Select": ["1", { "Fn::GetAZs": "" }] });
      expect(props(t, "PublicSubnet1").MapPublicIpOnLaunch).toBe(true);
      expect(props(t, "PrivateSubnet1").MapPublicIpOnLaunch).toBe(false);
    }
  });

  it("has one NAT gateway in dev, none in stage and one per AZ in prod, each with its own EIP", () => {
    expect(["dev", "stage", "prod"].map((name) => ofType(network(name as EnvironmentName), "AWS::EC2::NatGateway").length)).toEqual([1, 0, 2]);
    expect(["dev", "stage", "prod"].map((name) => ofType(network(name as EnvironmentName), "AWS::EC2::EIP").length)).toEqual([1, 0, 2]);
    expect(props(network("prod"), "NatGateway2").SubnetId).toEqual({ Ref: "PublicSubnet2" });
  });

  it("routes private subnets through NAT where there is one: dev shares its NAT, prod keeps each AZ on its own", () => {
    const privateRoute = (t: Template, subnet: string) => defaultRoutes(t).find((r) => r.table === JSON.stringify(routeTableOf(t, subnet)))?.via;
    const dev = network("dev");
    expect([privateRoute(dev, "PrivateSubnet1"), privateRoute(dev, "PrivateSubnet2")]).toEqual([{ Ref: "NatGateway1" }, { Ref: "NatGateway1" }]);
    const prod = network("prod");
    expect([privateRoute(prod, "PrivateSubnet1"), privateRoute(prod, "PrivateSubnet2")]).toEqual([{ Ref: "NatGateway1" }, { Ref: "NatGateway2" }]);
    const stage = network("stage");
    expect([privateRoute(stage, "PrivateSubnet1"), privateRoute(stage, "PrivateSubnet2")]).toEqual([undefined, undefined]);
    for (const t of [dev, stage, prod]) {
      expect(privateRoute(t, "PublicSubnet1")).toEqual({ Ref: "InternetGateway" });
      expect(privateRoute(t, "DatabaseSubnet1")).toBeUndefined(); // isolated
    }
  });

  it("gives S3 a gateway endpoint on every route table", () => {
    const t = network("dev");
    const tables = ofType(t, "AWS::EC2::RouteTable").map(([id]) => ({ Ref: id }));
    expect(props(t, "S3GatewayEndpoint")).toMatchObject({ VpcEndpointType: "Gateway", ServiceName: { "Fn::Sub": "com.amazonaws.${AWS::Region}.s3" } });
    expect(props(t, "S3GatewayEndpoint").RouteTableIds).toEqual(expect.arrayContaining(tables));
    expect(props(t, "S3GatewayEndpoint").RouteTableIds).toHaveLength(6);
  });

  it("keeps logs 7, 14 and 30 days, and retains prod's log group on delete and replacement", () => {
    const groups = (["dev", "stage", "prod"] as const).map((name) => network(name).Resources.ServiceLogGroup!);
    expect(groups.map((g) => g.Properties?.RetentionInDays)).toEqual([7, 14, 30]);
    expect(groups.map((g) => g.Properties?.LogGroupName)).toEqual(["/aws/ecs/alert-engine-dev", "/aws/ecs/alert-engine-stage", "/aws/ecs/alert-engine-prod"]);
    expect(groups.map((g) => [g.DeletionPolicy, g.UpdateReplacePolicy])).toEqual([["Delete", "Delete"], ["Delete", "Delete"], ["Retain", "Retain"]]);
  });

  it("names the cluster as the seed's debug commands expect, with Container Insights in prod only", () => {
    const clusters = (["dev", "stage", "prod"] as const).map((name) => props(network(name), "Cluster"));
    expect(clusters.map((c) => c.ClusterName)).toEqual(["alert-engine-cluster-dev", "alert-engine-cluster-stage", "alert-engine-cluster-prod"]);
    expect(clusters.map((c) => c.ClusterSettings[0].Value)).toEqual(["disabled", "disabled", "enabled"]);
  });

  it("pins the subnets to named AZs when the environment names them", () => {
    const t = network("prod", { availabilityZones: ["us-east-2a", "us-east-2c"] });
    expect(["PublicSubnet1", "PrivateSubnet1", "DatabaseSubnet1"].map((s) => props(t, s).AvailabilityZone)).toEqual(["us-east-2a", "us-east-2a", "us-east-2a"]);
    expect(["PublicSubnet2", "PrivateSubnet2", "DatabaseSubnet2"].map((s) => props(t, s).AvailabilityZone)).toEqual(["us-east-2c", "us-east-2c", "us-east-2c"]);
  });

  it("exports what the backend and the post-deploy steps consume", () => {
    expect(Object.keys(network("dev").Outputs ?? {}).sort()).toEqual(
      ["ClusterArn", "ClusterName", "DatabaseSecurityGroupId", "DatabaseSubnetIds", "DefaultSecurityGroupId", "LogGroupArn", "LogGroupName", "PrivateSubnetIds", "PublicSubnetIds", "VpcId"].sort(),
    );
    expect(network("dev").Outputs?.PublicSubnetIds?.Value).toEqual({ "Fn::Join": [",", [{ Ref: "PublicSubnet1" }, { Ref: "PublicSubnet2" }]] });
  });
});
