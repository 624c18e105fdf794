/**
 * Per-resource-type knowledge: what physical ids and attributes look like, which property
 * changes force a replacement, which types need IAM capabilities, and how long each takes.
 * Small tables, not the full registry: unknown types fall back to generic shapes.
 */
import { encode, hashOf } from "./ids.js";
import type { ParsedTemplate } from "./template.js";

export interface ResourceIdentity {
  stackName: string;
  logicalId: string;
  type: string;
  /** Bumped on every replacement so the new resource gets a new physical id. */
  generation: number;
  region: string;
  account: string;
  /** Evaluated string value of a property, if set. */
  property(name: string): string | undefined;
  /** Evaluated value of a property (objects and lists too), if set. */
  value(name: string): unknown;
}

const EC2_PREFIXES: Record<string, string> = {
  "AWS::EC2::VPC": "vpc",
  "AWS::EC2::Subnet": "subnet",
  "AWS::EC2::SecurityGroup": "sg",
  "AWS::EC2::InternetGateway": "igw",
  "AWS::EC2::NatGateway": "nat",
  "AWS::EC2::RouteTable": "rtb",
  "AWS::EC2::SubnetRouteTableAssociation": "rtbassoc",
  "AWS::EC2::NetworkAcl": "acl",
  "AWS::EC2::VPCEndpoint": "vpce",
  "AWS::EC2::FlowLog": "fl",
  "AWS::EC2::Instance": "i",
  "AWS::EC2::LaunchTemplate": "lt",
  "AWS::EC2::SecurityGroupIngress": "sgr",
  "AWS::EC2::SecurityGroupEgress": "sgr",
};

/** The property whose value, when given, is the physical id. */
const NAME_PROPERTIES: Record<string, string> = {
  "AWS::S3::Bucket": "BucketName",
  "AWS::IAM::Role": "RoleName",
  "AWS::IAM::InstanceProfile": "InstanceProfileName",
  "AWS::Logs::LogGroup": "LogGroupName",
  "AWS::ECS::Cluster": "ClusterName",
  "AWS::ECR::Repository": "RepositoryName",
  "AWS::DynamoDB::Table": "TableName",
  "AWS::SSM::Parameter": "Name",
  "AWS::Lambda::Function": "FunctionName",
  "AWS::Cognito::UserPoolDomain": "Domain",
  "AWS::Route53::RecordSet": "Name",
  "AWS::SQS::Queue": "QueueName",
};

export function defaultSecurityGroupOf(vpcId: string): string {
  return `sg-${hashOf("default-sg", vpcId).slice(0, 17)}`;
}

export function physicalIdFor(r: ResourceIdentity): string {
  const h = hashOf(r.stackName, r.logicalId, r.type, String(r.generation), r.region, r.account);
  const given = NAME_PROPERTIES[r.type] ? r.property(NAME_PROPERTIES[r.type]!) : undefined;
  const generated = `${r.stackName.slice(0, 30)}-${r.logicalId.slice(0, 20)}-${encode(h, 12)}`;
  const name = given || generated;
  const arn = (service: string, resource: string) => `arn:aws:${service}:${r.region}:${r.account}:${resource}`;

  const prefix = EC2_PREFIXES[r.type];
  if (prefix) return `${prefix}-${h.slice(0, 17)}`;
  switch (r.type) {
    case "AWS::S3::Bucket":
      return given ?? generated.toLowerCase().slice(0, 63);
    case "AWS::EC2::EIP":
      return `3.${parseInt(h.slice(0, 2), 16)}.${parseInt(h.slice(2, 4), 16)}.${parseInt(h.slice(4, 6), 16)}`;
    case "AWS::Cognito::UserPool":
      return `${r.region}_${encode(h, 9, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")}`;
    case "AWS::Cognito::UserPoolClient":
      return encode(h, 26, "abcdefghijklmnopqrstuvwxyz0123456789");
    case "AWS::ECS::Service": {
      const cluster = (r.property("Cluster") ?? "default").split("/").pop();
      return arn("ecs", `service/${cluster}/${r.property("ServiceName") ?? generated}`);
    }
    case "AWS::ECS::TaskDefinition":
      return arn("ecs", `task-definition/${r.property("Family") ?? generated}:${r.generation + 1}`);
    case "AWS::ElasticLoadBalancingV2::LoadBalancer":
      return arn("elasticloadbalancing", `loadbalancer/app/${(r.property("Name") ?? generated).slice(0, 32)}/${h.slice(0, 16)}`);
    case "AWS::ElasticLoadBalancingV2::TargetGroup":
      return arn("elasticloadbalancing", `targetgroup/${(r.property("Name") ?? generated).slice(0, 32)}/${h.slice(0, 16)}`);
    case "AWS::ElasticLoadBalancingV2::Listener":
      return arn("elasticloadbalancing", `listener/app/${r.stackName.slice(0, 20)}/${h.slice(0, 16)}/${h.slice(16, 32)}`);
    case "AWS::ElasticLoadBalancingV2::ListenerRule":
      return arn("elasticloadbalancing", `listener-rule/app/${r.stackName.slice(0, 20)}/${h.slice(0, 16)}/${h.slice(16, 32)}/${h.slice(32, 48)}`);
    case "AWS::IAM::ManagedPolicy":
      return `arn:aws:iam::${r.account}:policy/${r.property("ManagedPolicyName") ?? generated}`;
    case "AWS::SecretsManager::Secret":
      return arn("secretsmanager", `secret:${r.property("Name") ?? generated}-${encode(h, 6)}`);
    case "AWS::SNS::Topic":
      return arn("sns", r.property("TopicName") ?? generated);
    case "AWS::CertificateManager::Certificate":
      return arn("acm", `certificate/${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`);
    case "AWS::KMS::Key":
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
    case "AWS::Route53::HostedZone":
      return `Z${encode(h, 13)}`;
    default:
      return name;
  }
}

export function attributeOf(r: ResourceIdentity, physicalId: string, attribute: string): string {
  const h = hashOf(physicalId, attribute);
  const service = r.type.split("::")[1]?.toLowerCase() ?? "unknown";
  const kind = r.type.split("::")[2]?.toLowerCase() ?? "resource";
  const regional = (resource: string) => `arn:aws:${service}:${r.region}:${r.account}:${resource}`;
  const known: Record<string, Record<string, () => string>> = {
    "AWS::S3::Bucket": {
      Arn: () => `arn:aws:s3:::${physicalId}`,
      DomainName: () => `${physicalId}.s3.amazonaws.com`,
      RegionalDomainName: () => `${physicalId}.s3.${r.region}.amazonaws.com`,
    },
    "AWS::IAM::Role": { Arn: () => `arn:aws:iam::${r.account}:role/${physicalId}`, RoleId: () => `AROA${encode(h, 17)}` },
    "AWS::Logs::LogGroup": { Arn: () => `arn:aws:logs:${r.region}:${r.account}:log-group:${physicalId}:*` },
    "AWS::ECR::Repository": {
      Arn: () => regional(`repository/${physicalId}`),
      RepositoryUri: () => `${r.account}.dkr.ecr.${r.region}.amazonaws.com/${physicalId}`,
    },
    "AWS::ECS::Cluster": { Arn: () => regional(`cluster/${physicalId}`) },
    "AWS::ECS::Service": { Name: () => physicalId.split("/").pop() ?? physicalId, ServiceArn: () => physicalId },
    "AWS::EC2::VPC": {
      CidrBlock: () => r.property("CidrBlock") ?? "10.0.0.0/16",
      DefaultSecurityGroup: () => defaultSecurityGroupOf(physicalId),
      DefaultNetworkAcl: () => `acl-${h.slice(0, 17)}`,
      VpcId: () => physicalId,
    },
    "AWS::EC2::Subnet": { SubnetId: () => physicalId, AvailabilityZone: () => r.property("AvailabilityZone") ?? `${r.region}a` },
    "AWS::EC2::SecurityGroup": { GroupId: () => physicalId, VpcId: () => r.property("VpcId") ?? "" },
    "AWS::EC2::EIP": { AllocationId: () => `eipalloc-${h.slice(0, 17)}`, PublicIp: () => physicalId },
    "AWS::ElasticLoadBalancingV2::LoadBalancer": {
      DNSName: () => `${physicalId.split("/")[2] ?? "alb"}-${parseInt(h.slice(0, 8), 16)}.${r.region}.elb.amazonaws.com`,
      CanonicalHostedZoneID: () => "Z3AADJGX6KTTL2",
      LoadBalancerFullName: () => physicalId.split(":loadbalancer/")[1] ?? physicalId,
      LoadBalancerName: () => physicalId.split("/")[2] ?? physicalId,
      LoadBalancerArn: () => physicalId,
    },
    "AWS::ElasticLoadBalancingV2::TargetGroup": {
      TargetGroupFullName: () => physicalId.split(":")[5] ?? physicalId,
      TargetGroupName: () => physicalId.split("/")[1] ?? physicalId,
      TargetGroupArn: () => physicalId,
    },
    "AWS::Cognito::UserPool": {
      Arn: () => `arn:aws:cognito-idp:${r.region}:${r.account}:userpool/${physicalId}`,
      ProviderName: () => `cognito-idp.${r.region}.amazonaws.com/${physicalId}`,
      ProviderURL: () => `https://cognito-idp.${r.region}.amazonaws.com/${physicalId}`,
      UserPoolId: () => physicalId,
    },
    "AWS::Cognito::UserPoolClient": { ClientId: () => physicalId, ClientSecret: () => encode(h, 51, "abcdefghijklmnopqrstuvwxyz0123456789") },
    "AWS::Cognito::UserPoolDomain": { CloudFrontDistribution: () => `d${encode(h, 13, "abcdefghijklmnopqrstuvwxyz0123456789")}.cloudfront.net` },
  };
  const fromTable = known[r.type]?.[attribute];
  if (fromTable) return fromTable();
  if (attribute === "Arn") return physicalId.startsWith("arn:") ? physicalId : regional(`${kind}/${physicalId}`);
  return `${r.logicalId}-${attribute}-${h.slice(0, 8)}`;
}

/** Properties whose change replaces the resource; `*` means any property change does. */
const REPLACING_PROPERTIES: Record<string, string[]> = {
  "AWS::S3::Bucket": ["BucketName", "ObjectLockEnabled"],
  "AWS::EC2::VPC": ["CidrBlock", "InstanceTenancy"],
  "AWS::EC2::Subnet": ["CidrBlock", "AvailabilityZone", "VpcId", "Ipv6CidrBlock"],
  "AWS::EC2::SecurityGroup": ["GroupName", "GroupDescription", "VpcId"],
  "AWS::EC2::NatGateway": ["SubnetId", "AllocationId", "ConnectivityType"],
  "AWS::EC2::EIP": ["Domain"],
  "AWS::EC2::RouteTable": ["VpcId"],
  "AWS::EC2::Route": ["RouteTableId", "DestinationCidrBlock", "DestinationIpv6CidrBlock"],
  "AWS::EC2::SubnetRouteTableAssociation": ["SubnetId"],
  "AWS::Cognito::UserPool": ["UsernameAttributes", "AliasAttributes"],
  "AWS::Cognito::UserPoolClient": ["UserPoolId", "GenerateSecret"],
  "AWS::Cognito::UserPoolDomain": ["Domain", "UserPoolId"],
  "AWS::Logs::LogGroup": ["LogGroupName"],
  "AWS::ECR::Repository": ["RepositoryName"],
  "AWS::IAM::Role": ["RoleName", "Path"],
  "AWS::ECS::Cluster": ["ClusterName"],
  "AWS::ECS::Service": ["ServiceName", "Cluster", "LaunchType", "Role"],
  "AWS::ECS::TaskDefinition": ["*"],
  "AWS::ElasticLoadBalancingV2::LoadBalancer": ["Name", "Scheme", "Type"],
  "AWS::ElasticLoadBalancingV2::TargetGroup": ["Name", "Port", "Protocol", "VpcId", "TargetType", "ProtocolVersion"],
  "AWS::DynamoDB::Table": ["TableName", "KeySchema"],
  "AWS::Route53::RecordSet": ["Name", "Type", "HostedZoneId", "HostedZoneName"],
  "AWS::SecretsManager::Secret": ["Name"],
  "AWS::SSM::Parameter": ["Name"],
  "AWS::CertificateManager::Certificate": ["*"],
};

export function requiresReplacement(type: string, property: string): boolean {
  const replacing = REPLACING_PROPERTIES[type] ?? [];
  return replacing.includes("*") || replacing.includes(property);
}

const IAM_TYPES: Record<string, string | undefined> = {
  "AWS::IAM::Role": "RoleName",
  "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
  "AWS::IAM::User": "UserName",
  "AWS::IAM::Group": "GroupName",
  "AWS::IAM::InstanceProfile": "InstanceProfileName",
  "AWS::IAM::Policy": undefined,
  "AWS::IAM::AccessKey": undefined,
  "AWS::IAM::UserToGroupAddition": undefined,
};

/** The capability CreateChangeSet demands for this template, with the types that need it. */
export function requiredCapability(template: ParsedTemplate): { capability: "CAPABILITY_IAM" | "CAPABILITY_NAMED_IAM"; types: string[] } | undefined {
  const iam = Object.values(template.Resources).filter((r) => r.Type in IAM_TYPES);
  if (iam.length === 0) return undefined;
  const named = iam.some((r) => {
    const nameProperty = IAM_TYPES[r.Type];
    return nameProperty !== undefined && r.Properties?.[nameProperty] !== undefined;
  });
  return { capability: named ? "CAPABILITY_NAMED_IAM" : "CAPABILITY_IAM", types: [...new Set(iam.map((r) => r.Type))] };
}

/** Fast defaults for tests: one virtual second per resource, the notoriously slow ones longer. */
export function defaultResourceMs(type: string): number {
  const slow: Record<string, number> = {
    "AWS::EC2::NatGateway": 30_000,
    "AWS::ElasticLoadBalancingV2::LoadBalancer": 30_000,
    "AWS::ECS::Service": 60_000,
    "AWS::CloudFront::Distribution": 120_000,
    "AWS::RDS::DBInstance": 120_000,
  };
  return slow[type] ?? 1_000;
}

/** Durations close to what CloudFormation takes in a real account, for benchmarks. */
export function realisticResourceMs(type: string): number {
  const observed: Record<string, number> = {
    "AWS::EC2::VPC": 12_000,
    "AWS::EC2::Subnet": 5_000,
    "AWS::EC2::InternetGateway": 15_000,
    "AWS::EC2::VPCGatewayAttachment": 17_000,
    "AWS::EC2::RouteTable": 3_000,
    "AWS::EC2::Route": 2_000,
    "AWS::EC2::SubnetRouteTableAssociation": 2_000,
    "AWS::EC2::EIP": 4_000,
    "AWS::EC2::NatGateway": 105_000,
    "AWS::EC2::SecurityGroup": 6_000,
    "AWS::EC2::VPCEndpoint": 70_000,
    "AWS::S3::Bucket": 3_000,
    "AWS::S3::BucketPolicy": 2_000,
    "AWS::IAM::Role": 14_000,
    "AWS::IAM::Policy": 16_000,
    "AWS::Logs::LogGroup": 2_000,
    "AWS::Cognito::UserPool": 4_000,
    "AWS::Cognito::UserPoolClient": 2_000,
    "AWS::Cognito::UserPoolDomain": 60_000,
    "AWS::ECS::Cluster": 10_000,
    "AWS::ECS::TaskDefinition": 2_000,
    "AWS::ECS::Service": 180_000,
    "AWS::ElasticLoadBalancingV2::LoadBalancer": 190_000,
    "AWS::ElasticLoadBalancingV2::TargetGroup": 14_000,
    "AWS::ElasticLoadBalancingV2::Listener": 2_000,
    "AWS::Route53::RecordSet": 45_000,
    "AWS::CloudFront::Distribution": 300_000,
  };
  return observed[type] ?? 5_000;
}
