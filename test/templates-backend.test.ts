import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnvironment } from "../src/env/load.js";
import type { Environment, EnvironmentName } from "../src/env/model.js";
import { backendStack } from "../src/templates/backend.js";
import type { Resource, Template } from "../src/templates/cfn.js";
import { synthesize } from "../src/templates/stack.js";

/* eslint-disable @typescript-eslint/no-explicit-any -- assertions walk emitted JSON */
type Obj = Record<string, any>;

const NAMES = ["dev", "stage", "prod"] as const;
let dir: string;
const envs = {} as Record<EnvironmentName, Environment>;
const templates = {} as Record<EnvironmentName, Template>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "templates-backend-"));
  writeFileSync(join(dir, "orchestrate.config.yaml"), 'prod:\n  account: "123456789012"\n');
  for (const name of NAMES) {
    envs[name] = loadEnvironment(name, { vars: {}, cwd: dir });
    templates[name] = synthesize(backendStack, envs[name]);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const resource = (template: Template, id: string): Resource => {
  const found = template.Resources[id];
  if (!found) throw new Error(`no resource ${id}`);
  return found;
};
const props = (template: Template, id: string): Obj => resource(template, id).Properties ?? {};
const ofType = (template: Template, type: string): [string, Resource][] => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
const container = (name: EnvironmentName): Obj => props(templates[name], "TaskDefinition").ContainerDefinitions[0];
const service = (name: EnvironmentName): Obj => props(templates[name], "Service");
const statements = (role: Obj): Obj[] => role.Policies.flatMap((p: Obj) => p.PolicyDocument.Statement);
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);
const envVar = (name: EnvironmentName, key: string) => container(name).Environment.find((e: Obj) => e.Name === key)?.Value;
const ALB_SG = { "Fn::GetAtt": ["LoadBalancerSecurityGroup", "GroupId"] };
const TASK_SG = { "Fn::GetAtt": ["TaskSecurityGroup", "GroupId"] };

describe("backend stack: declared contract", () => {
  it("declares the producers' outputs as parameters, subnet lists as CommaDelimitedList", () => {
    const parameters = templates.dev.Parameters ?? {};
    expect(Object.keys(parameters).sort()).toEqual(
      [
        "VpcId", "PublicSubnetIds", "PrivateSubnetIds", "DatabaseSecurityGroupId", "ClusterName", "LogGroupName", "LogGroupArn",
        "BucketName", "BucketArn", "UserPoolId", "UserPoolArn", "UserPoolClientId", "IdentityPoolId", "CertificateArn", "ImageUri", "SecretsArn",
      ].sort(),
    );
    expect(parameters.PublicSubnetIds?.Type).toBe("CommaDelimitedList");
    expect(parameters.PrivateSubnetIds?.Type).toBe("CommaDelimitedList");
    expect(parameters.ImageUri?.Type).toBe("String");
    const producers = Object.fromEntries(Object.entries(backendStack.inputs).map(([name, input]) => [name, input.from]));
    expect(producers).toMatchObject({ VpcId: "network", BucketArn: "storage", UserPoolArn: "auth", CertificateArn: "certificate", ImageUri: "context" });
  });

  it.each(NAMES)("%s: exports every output the domain stack and orchestrator read", (name) => {
    const outputs = templates[name].Outputs ?? {};
    expect(Object.keys(outputs).sort()).toEqual(
      [
        "LoadBalancerDnsName", "LoadBalancerCanonicalHostedZoneId", "LoadBalancerArn", "LoadBalancerFullName", "TargetGroupArn",
        "TargetGroupFullName", "ServiceName", "ServiceArn", "TaskDefinitionArn", "TaskRoleArn",
      ].sort(),
    );
    expect(outputs.LoadBalancerCanonicalHostedZoneId?.Value).toEqual({ "Fn::GetAtt": ["LoadBalancer", "CanonicalHostedZoneID"] });
    expect(outputs.ServiceName?.Export?.Name).toBe(`alert-engine-${name}-ServiceName`);
  });

  it("holds no data: nothing is stateful or retained", () => {
    expect(backendStack.statefulResources).toEqual([]);
    for (const name of NAMES) {
      for (const r of Object.values(templates[name].Resources)) expect(r.DeletionPolicy).not.toBe("Retain");
    }
  });

  it.each(NAMES)("%s: every Ref and GetAtt resolves to a parameter, resource or pseudo parameter", (name) => {
    const template = templates[name];
    const known = new Set([...Object.keys(template.Parameters ?? {}), ...Object.keys(template.Resources)]);
    const unresolved: string[] = [];
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) return value.forEach(walk);
      if (!value || typeof value !== "object") return;
      const v = value as Obj;
      if (typeof v.Ref === "string" && !v.Ref.startsWith("AWS::") && !known.has(v.Ref)) unresolved.push(v.Ref);
      if (Array.isArray(v["Fn::GetAtt"]) && !known.has(v["Fn::GetAtt"][0])) unresolved.push(v["Fn::GetAtt"][0]);
      Object.values(v).forEach(walk);
    };
    walk(template.Resources);
    walk(template.Outputs);
    expect(unresolved).toEqual([]);
  });

  it.each(NAMES)("%s: tags every taggable resource with Project and Environment", (name) => {
    const untaggable = new Set(["AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress", "AWS::ApplicationAutoScaling::ScalingPolicy"]);
    for (const [id, r] of Object.entries(templates[name].Resources)) {
      if (untaggable.has(r.Type)) continue;
      expect(r.Properties?.Tags, id).toEqual(expect.arrayContaining([{ Key: "Project", Value: "alert-engine" }, { Key: "Environment", Value: name }]));
    }
  });
});

describe("backend stack: task definition", () => {
  it("sizes the Fargate task per environment (CPU units and MiB as strings)", () => {
    const sizes = NAMES.map((name) => {
      const p = props(templates[name], "TaskDefinition");
      return [p.Cpu, p.Memory];
    });
    expect(sizes).toEqual([["512", "1024"], ["1024", "2048"], ["1024", "2048"]]);
    const p = props(templates.prod, "TaskDefinition");
    expect(p).toMatchObject({ NetworkMode: "awsvpc", RequiresCompatibilities: ["FARGATE"], RuntimePlatform: { OperatingSystemFamily: "LINUX", CpuArchitecture: "X86_64" } });
    expect(p.ExecutionRoleArn).toEqual({ "Fn::GetAtt": ["ExecutionRole", "Arn"] });
    expect(p.TaskRoleArn).toEqual({ "Fn::GetAtt": ["TaskRole", "Arn"] });
  });

  it("runs one mcp-server container from the ImageUri parameter on port 8000", () => {
    const definitions = props(templates.dev, "TaskDefinition").ContainerDefinitions;
    expect(definitions).toHaveLength(1);
    expect(container("dev")).toMatchObject({ Name: "mcp-server", Image: { Ref: "ImageUri" }, Essential: true, PortMappings: [{ ContainerPort: 8000, Protocol: "tcp" }] });
  });

  it.each(NAMES)("%s: configures the app through environment variables", (name) => {
    expect(envVar(name, "API_HOST")).toBe("0.0.0.0");
    expect(envVar(name, "API_PORT")).toBe("8000");
    expect(envVar(name, "LOG_LEVEL")).toBe(name === "dev" ? "DEBUG" : "INFO");
    expect(envVar(name, "ALERT_DATA_PATH")).toBe("/app/data");
    expect(envVar(name, "PYTHONPATH")).toBe("/app/src");
    expect(envVar(name, "AWS_REGION")).toEqual({ Ref: "AWS::Region" });
    expect(envVar(name, "S3_BUCKET_NAME")).toEqual({ Ref: "BucketName" });
    expect(envVar(name, "COGNITO_USER_POOL_ID")).toEqual({ Ref: "UserPoolId" });
    expect(envVar(name, "COGNITO_CLIENT_ID")).toEqual({ Ref: "UserPoolClientId" });
    expect(envVar(name, "ENVIRONMENT")).toBe(name);
  });

  it.each(NAMES)("%s: passes DATABASE_PASSWORD and API_KEY as Secrets Manager references, never as plain variables", (name) => {
    expect(container(name).Secrets).toEqual([
      { Name: "DATABASE_PASSWORD", ValueFrom: { "Fn::Join": ["", [{ Ref: "SecretsArn" }, ":DATABASE_PASSWORD::"]] } },
      { Name: "API_KEY", ValueFrom: { "Fn::Join": ["", [{ Ref: "SecretsArn" }, ":API_KEY::"]] } },
    ]);
    const plain = container(name).Environment.map((e: Obj) => e.Name);
    expect(plain).not.toContain("DATABASE_PASSWORD");
    expect(plain).not.toContain("API_KEY");
  });

  it("takes the secret ARN as the SecretsArn parameter, into the container and the execution role alike; a configured one changes no template", () => {
    const secretsArn = "arn:aws:secretsmanager:us-east-2:764119721991:secret:dsql/tmf-6vgxCr";
    const template = synthesize(backendStack, { ...envs.stage, secretsArn });
    expect(template).toEqual(templates.stage);
    expect(JSON.stringify(template)).not.toContain("764119721991");
    const read = statements(props(template, "ExecutionRole")).find((s) => asList(s.Action).includes("secretsmanager:GetSecretValue"));
    expect(read?.Resource).toEqual({ Ref: "SecretsArn" });
  });

  it("health-checks /health with python (the slim image has no curl) and ships logs with awslogs", () => {
    const check = container("stage").HealthCheck;
    expect(check.Command[0]).toBe("CMD-SHELL");
    expect(check.Command[1]).toContain("http://localhost:8000/health");
    expect(check.Command[1]).toMatch(/^python3? /);
    expect(check.Command[1]).not.toContain("curl");
    expect(container("stage").LogConfiguration).toEqual({
      LogDriver: "awslogs",
      Options: { "awslogs-group": { Ref: "LogGroupName" }, "awslogs-region": { Ref: "AWS::Region" }, "awslogs-stream-prefix": "mcp-server" },
    });
  });
});

describe("backend stack: IAM", () => {
  it.each(NAMES)("%s: both roles are assumed only by ECS tasks and use inline policies, not managed ones", (name) => {
    for (const id of ["ExecutionRole", "TaskRole"]) {
      const role = props(templates[name], id);
      expect(role.AssumeRolePolicyDocument.Statement).toEqual([{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }]);
      expect(role.ManagedPolicyArns).toBeUndefined();
    }
  });

  it.each(NAMES)("%s: task role resources are never \"*\" and stay on this bucket and user pool", (name) => {
    const all = statements(props(templates[name], "TaskRole"));
    for (const s of all) {
      expect(asList(s.Resource)).not.toContain("*");
      for (const action of asList(s.Action)) expect(action).not.toMatch(/\*/);
    }
    const resourceFor = (action: string) => all.find((s) => asList(s.Action).includes(action))?.Resource;
    expect(resourceFor("s3:ListBucket")).toEqual({ Ref: "BucketArn" });
    expect(resourceFor("s3:GetObject")).toEqual({ "Fn::Join": ["", [{ Ref: "BucketArn" }, "/*"]] });
    expect(resourceFor("s3:PutObject")).toEqual(resourceFor("s3:GetObject"));
    expect(resourceFor("s3:DeleteObject")).toEqual(resourceFor("s3:GetObject"));
    expect(resourceFor("cognito-idp:AdminGetUser")).toEqual({ Ref: "UserPoolArn" });
    expect(resourceFor("cognito-idp:AdminInitiateAuth")).toEqual({ Ref: "UserPoolArn" });
  });

  it.each(NAMES)("%s: execution role uses \"*\" only for ecr:GetAuthorizationToken", (name) => {
    const all = statements(props(templates[name], "ExecutionRole"));
    const wildcard = all.filter((s) => asList(s.Resource).includes("*"));
    expect(wildcard.map((s) => s.Action)).toEqual(["ecr:GetAuthorizationToken"]);
    const pull = all.find((s) => asList(s.Action).includes("ecr:BatchGetImage"));
    expect(pull?.Resource).toEqual({ "Fn::Sub": `arn:\${AWS::Partition}:ecr:\${AWS::Region}:\${AWS::AccountId}:repository/alert-engine-${name}` });
    const logs = all.find((s) => asList(s.Action).includes("logs:PutLogEvents"));
    expect(logs?.Resource).toEqual({ Ref: "LogGroupArn" });
  });
});

describe("backend stack: security groups", () => {
  it.each(NAMES)("%s: tasks accept port 8000 from the load balancer's group only", (name) => {
    const template = templates[name];
    expect(props(template, "TaskSecurityGroup").SecurityGroupIngress).toBeUndefined();
    const rules = ofType(template, "AWS::EC2::SecurityGroupIngress").map(([, r]) => r.Properties ?? {});
    const toTasks = rules.filter((r) => JSON.stringify(r.GroupId) === JSON.stringify(TASK_SG));
    expect(toTasks).toHaveLength(1);
    expect(toTasks[0]).toMatchObject({ IpProtocol: "tcp", FromPort: 8000, ToPort: 8000, SourceSecurityGroupId: ALB_SG });
    expect(toTasks[0]?.CidrIp).toBeUndefined();
    expect(toTasks[0]?.CidrIpv6).toBeUndefined();
  });

  it("tasks may only leave on 443, and on the database port to the database subnets", () => {
    expect(props(templates.prod, "TaskSecurityGroup").SecurityGroupEgress).toEqual([
      expect.objectContaining({ IpProtocol: "tcp", FromPort: 443, ToPort: 443, CidrIp: "0.0.0.0/0" }),
      expect.objectContaining({ IpProtocol: "tcp", FromPort: 5432, ToPort: 5432, CidrIp: "10.0.64.0/24" }),
      expect.objectContaining({ IpProtocol: "tcp", FromPort: 5432, ToPort: 5432, CidrIp: "10.0.65.0/24" }),
    ]);
  });

  it("the load balancer takes 80 and 443 from anywhere and can only reach the tasks on 8000", () => {
    const alb = props(templates.prod, "LoadBalancerSecurityGroup");
    const ingress = alb.SecurityGroupIngress.map((r: Obj) => `${r.FromPort}-${r.ToPort} ${r.CidrIp ?? r.CidrIpv6}`).sort();
    expect(ingress).toEqual(["443-443 0.0.0.0/0", "443-443 ::/0", "80-80 0.0.0.0/0", "80-80 ::/0"]);
    // A non-empty list is what removes EC2's default allow-all egress; the one entry matches no traffic.
    expect(alb.SecurityGroupEgress).toEqual([expect.objectContaining({ IpProtocol: "icmp", CidrIp: "255.255.255.255/32" })]);
    const egress = ofType(templates.prod, "AWS::EC2::SecurityGroupEgress").map(([, r]) => r.Properties);
    expect(egress).toEqual([expect.objectContaining({ GroupId: ALB_SG, IpProtocol: "tcp", FromPort: 8000, ToPort: 8000, DestinationSecurityGroupId: TASK_SG })]);
  });

  it("neither group references the other inside its own definition (no circular dependency)", () => {
    const albGroup = JSON.stringify(resource(templates.prod, "LoadBalancerSecurityGroup"));
    const taskGroup = JSON.stringify(resource(templates.prod, "TaskSecurityGroup"));
    expect(albGroup).not.toContain("TaskSecurityGroup");
    expect(taskGroup).not.toContain("LoadBalancerSecurityGroup");
  });
});

describe("backend stack: load balancer", () => {
  const listener = (name: EnvironmentName, port: number): Obj => {
    const found = ofType(templates[name], "AWS::ElasticLoadBalancingV2::Listener").find(([, r]) => r.Properties?.Port === port);
    if (!found) throw new Error(`no listener on ${port}`);
    return found[1].Properties ?? {};
  };
  const attribute = (name: EnvironmentName, key: string) =>
    props(templates[name], "LoadBalancer").LoadBalancerAttributes.find((a: Obj) => a.Key === key)?.Value;

  it.each(NAMES)("%s: is an internet-facing ALB in the public subnets that drops invalid headers", (name) => {
    expect(props(templates[name], "LoadBalancer")).toMatchObject({
      Type: "application",
      Scheme: "internet-facing",
      Subnets: { Ref: "PublicSubnetIds" },
      SecurityGroups: [ALB_SG],
    });
    expect(attribute(name, "routing.http.drop_invalid_header_fields.enabled")).toBe("true");
  });

  it("has deletion protection in prod only", () => {
    expect(NAMES.map((name) => attribute(name, "deletion_protection.enabled"))).toEqual(["false", "false", "true"]);
  });

  it.each(NAMES)("%s: terminates TLS 1.2+/1.3 on 443 with the ACM certificate and forwards to the target group", (name) => {
    expect(listener(name, 443)).toMatchObject({
      Protocol: "HTTPS",
      SslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      Certificates: [{ CertificateArn: { Ref: "CertificateArn" } }],
      DefaultActions: [{ Type: "forward", TargetGroupArn: { Ref: "TargetGroup" } }],
    });
  });

  it.each(NAMES)("%s: answers plain HTTP only with a permanent redirect to HTTPS", (name) => {
    const http = listener(name, 80);
    expect(http.Protocol).toBe("HTTP");
    expect(http.DefaultActions).toEqual([{ Type: "redirect", RedirectConfig: expect.objectContaining({ Protocol: "HTTPS", Port: "443", StatusCode: "HTTP_301" }) }]);
  });

  it("targets task IPs on 8000 and checks /health for a 200", () => {
    const tg = props(templates.dev, "TargetGroup");
    expect(tg).toMatchObject({ TargetType: "ip", Protocol: "HTTP", Port: 8000, VpcId: { Ref: "VpcId" }, HealthCheckPath: "/health", Matcher: { HttpCode: "200" } });
    expect(tg.TargetGroupAttributes).toContainEqual({ Key: "deregistration_delay.timeout_seconds", Value: "30" });
  });
});

describe("backend stack: service", () => {
  it.each(NAMES)("%s: is the Fargate service alert-engine-backend-<env> on the network stack's cluster", (name) => {
    expect(service(name)).toMatchObject({
      ServiceName: `alert-engine-backend-${name}`,
      Cluster: { Ref: "ClusterName" },
      LaunchType: "FARGATE",
      TaskDefinition: { Ref: "TaskDefinition" },
      EnableExecuteCommand: false,
      PropagateTags: "SERVICE",
      LoadBalancers: [{ ContainerName: "mcp-server", ContainerPort: 8000, TargetGroupArn: { Ref: "TargetGroup" } }],
    });
    expect(service(name).HealthCheckGracePeriodSeconds).toBeGreaterThan(0);
    expect(asList(resource(templates[name], "Service").DependsOn)).toContain("HttpsListener");
  });

  it("fixes dev at 1 task and leaves the count to the scaler in stage and prod", () => {
    expect(NAMES.map((name) => service(name).DesiredCount)).toEqual([1, undefined, undefined]);
  });

  it("rolls back failed deployments with the circuit breaker in prod only", () => {
    expect(NAMES.map((name) => service(name).DeploymentConfiguration.DeploymentCircuitBreaker)).toEqual([
      { Enable: false, Rollback: false },
      { Enable: false, Rollback: false },
      { Enable: true, Rollback: true },
    ]);
    expect(service("prod").DeploymentConfiguration).toMatchObject({ MinimumHealthyPercent: 100, MaximumPercent: 200 });
  });

  it("puts tasks in public subnets with public IPs only in stage, which has no NAT", () => {
    const placement = NAMES.map((name) => {
      const vpc = service(name).NetworkConfiguration.AwsvpcConfiguration;
      return [vpc.Subnets, vpc.AssignPublicIp];
    });
    expect(placement).toEqual([
      [{ Ref: "PrivateSubnetIds" }, "DISABLED"],
      [{ Ref: "PublicSubnetIds" }, "ENABLED"],
      [{ Ref: "PrivateSubnetIds" }, "DISABLED"],
    ]);
    expect(service("prod").NetworkConfiguration.AwsvpcConfiguration.SecurityGroups).toEqual([TASK_SG]);
  });

  it("follows the NAT count, not the environment name", () => {
    const noNatDev = synthesize(backendStack, { ...envs.dev, natGateways: 0 });
    expect(props(noNatDev, "Service").NetworkConfiguration.AwsvpcConfiguration).toMatchObject({ Subnets: { Ref: "PublicSubnetIds" }, AssignPublicIp: "ENABLED" });
  });
});

describe("backend stack: auto scaling", () => {
  const scalableTargets = (name: EnvironmentName) => ofType(templates[name], "AWS::ApplicationAutoScaling::ScalableTarget");
  const policies = (name: EnvironmentName): Obj[] => ofType(templates[name], "AWS::ApplicationAutoScaling::ScalingPolicy").map(([, r]) => r.Properties ?? {});

  it("is absent in dev", () => {
    expect(scalableTargets("dev")).toEqual([]);
    expect(policies("dev")).toEqual([]);
  });

  it("scales stage between 1 and 3 tasks and prod between 2 and 10", () => {
    const bounds = (["stage", "prod"] as const).map((name) => {
      const [target] = scalableTargets(name);
      return [target?.[1].Properties?.MinCapacity, target?.[1].Properties?.MaxCapacity];
    });
    expect(bounds).toEqual([[1, 3], [2, 10]]);
  });

  it.each(["stage", "prod"] as const)("%s: targets the service's desired count through the service-linked role", (name) => {
    const [target] = scalableTargets(name);
    expect(target?.[1].Properties).toMatchObject({
      ServiceNamespace: "ecs",
      ScalableDimension: "ecs:service:DesiredCount",
      ResourceId: { "Fn::Join": ["/", ["service", { Ref: "ClusterName" }, { "Fn::GetAtt": ["Service", "Name"] }]] },
    });
    expect(target?.[1].Properties?.RoleARN).toBeUndefined();
  });

  it.each(["stage", "prod"] as const)("%s: tracks average CPU and memory with cooldowns", (name) => {
    const tracked = policies(name).map((p) => {
      expect(p.PolicyType).toBe("TargetTrackingScaling");
      expect(p.ScalingTargetId).toEqual({ Ref: "ScalableTarget" });
      const config = p.TargetTrackingScalingPolicyConfiguration;
      expect(config.ScaleInCooldown).toBeGreaterThan(0);
      expect(config.ScaleOutCooldown).toBeGreaterThan(0);
      return [config.PredefinedMetricSpecification.PredefinedMetricType, config.TargetValue];
    });
    expect(tracked.map(([metric]) => metric).sort()).toEqual(["ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization"]);
    for (const [, target] of tracked) {
      expect(target).toBeGreaterThanOrEqual(60);
      expect(target).toBeLessThanOrEqual(75);
    }
  });

  it("follows the environment's autoScaling flag and bounds, not its name", () => {
    const scaledDev = synthesize(backendStack, { ...envs.dev, autoScaling: true, minTasks: 1, maxTasks: 4 });
    expect(props(scaledDev, "ScalableTarget")).toMatchObject({ MinCapacity: 1, MaxCapacity: 4 });
  });
});
