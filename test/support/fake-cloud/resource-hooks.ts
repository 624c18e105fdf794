/**
 * Side effects of stack resources on the rest of the fake cloud: a bucket a stack creates is a
 * bucket S3 knows, a VPC brings its default security group, and CloudFormation cannot delete a
 * bucket or repository that still holds data, exactly the failures teardown must avoid.
 */
import type { ResourceHooks } from "./cloudformation.js";
import type { FakeEc2 } from "./ec2.js";
import type { FakeEcr } from "./ecr.js";
import type { FakeEcs } from "./ecs.js";
import type { FakeElb } from "./elb.js";
import type { ResourceIdentity } from "./resource-types.js";
import type { FakeLogs } from "./logs.js";
import type { FakeRoute53 } from "./route53.js";
import type { FakeS3 } from "./s3.js";
import type { ResourceRecordSet, RRType } from "@aws-sdk/client-route-53";
import type { ResourceRecord } from "./stack-state.js";
import type { World } from "./world.js";

export function resourceHooks(world: World, s3: FakeS3, ec2: FakeEc2, ecr: FakeEcr, ecs: FakeEcs, elb: FakeElb, logs: FakeLogs, route53: FakeRoute53): ResourceHooks {
  const handlerFailure = (message: string, code = "GeneralServiceException") =>
    `Resource handler returned message: "${message}" (RequestToken: ${world.ids.uuid("request-token")}, HandlerErrorCode: ${code})`;
  return {
    created(resource, identity) {
      switch (resource.type) {
        case "AWS::S3::Bucket": {
          const versioning = identity.property("VersioningConfiguration") ?? "";
          s3.createBucket(resource.physicalId, { versioned: /"Status":"Enabled"/.test(versioning) });
          break;
        }
        case "AWS::EC2::VPC":
          ec2.addVpc(resource.physicalId, identity.property("CidrBlock"));
          break;
        case "AWS::ECR::Repository":
          ecr.createRepository(resource.physicalId);
          break;
        case "AWS::Logs::LogGroup":
          logs.createGroup(resource.physicalId);
          break;
        case "AWS::ECS::TaskDefinition":
          ecs.taskDefinitionCreated(resource.physicalId, evaluatedProperties(resource, identity));
          break;
        case "AWS::ECS::Service":
          // A stack seeded as already deployed: its service is already running, steady.
          if (!ecs.model.services.has(resource.physicalId)) ecs.serviceSeeded(resource.physicalId, evaluatedProperties(resource, identity));
          break;
        case "AWS::ElasticLoadBalancingV2::TargetGroup":
          elb.targetGroupCreated(resource.physicalId, evaluatedProperties(resource, identity));
          break;
        case "AWS::ElasticLoadBalancingV2::LoadBalancer":
          elb.declaredAttributes.set(resource.physicalId, identity.value("LoadBalancerAttributes"));
          break;
        case "AWS::Route53::RecordSet": {
          // Written when CloudFormation started it (started, below); a record it did not start is a stack seeded
          // as already deployed, long since served. (A replacement under a new name is modelled the same way.)
          const record = stackRecord(identity);
          if (!route53.hasRecord(record.set.Name ?? "", record.set.Type ?? "")) route53.putStackRecord(record.zone, record.set, world.clock.now(), { servedAtOnce: true });
          break;
        }
      }
    },
    started(resource, identity, action, at) {
      // CloudFormation evaluates the attributes (a Value may be an Fn::If) when it creates or updates the load balancer.
      if (resource.type === "AWS::ElasticLoadBalancingV2::LoadBalancer") elb.declaredAttributes.set(resource.physicalId, identity.value("LoadBalancerAttributes"));
      if (resource.type === "AWS::ECS::Service") ecs.serviceStarted(resource.physicalId, evaluatedProperties(resource, identity), action, at);
      // CloudFormation's ChangeResourceRecordSets: in the zone now, served once the change is INSYNC.
      if (resource.type === "AWS::Route53::RecordSet") {
        const record = stackRecord(identity);
        route53.putStackRecord(record.zone, record.set, at);
      }
    },
    stabilization(resource, at) {
      if (resource.type === "AWS::Route53::RecordSet") return route53.recordStabilization(resource.physicalId, String(resource.definition.Properties?.["Type"] ?? ""), at);
      return resource.type === "AWS::ECS::Service" ? ecs.stabilization(resource.physicalId, at) : { state: "stable" };
    },
    reverted(resource, at) {
      if (resource.type === "AWS::ECS::Service") ecs.serviceReverted(resource.physicalId, at);
    },
    physicalId(identity) {
      // The next revision of the family: CloudFormation registers it, after whatever the API registered.
      if (identity.type !== "AWS::ECS::TaskDefinition") return undefined;
      const family = identity.property("Family");
      return family ? ecs.registry.nextArn(family) : undefined;
    },
    deletionBlocker(resource: ResourceRecord) {
      if (resource.type === "AWS::S3::Bucket" && s3.buckets.has(resource.physicalId) && !s3.isEmpty(resource.physicalId)) {
        return handlerFailure("The bucket you tried to delete is not empty (Service: S3, Status Code: 409, Request ID: FAKEREQUEST0000)");
      }
      const repo = resource.type === "AWS::ECR::Repository" ? ecr.repositories.get(resource.physicalId) : undefined;
      if (repo && repo.images.length > 0 && resource.definition.Properties?.["EmptyOnDelete"] !== true) {
        return handlerFailure(
          `The repository with name '${repo.name}' in registry with id '${world.account}' cannot be deleted because it still contains images (Service: Ecr, Status Code: 400, Request ID: FAKEREQUEST0000)`,
        );
      }
      if (resource.type === "AWS::ElasticLoadBalancingV2::LoadBalancer" && deletionProtected(elb.declaredAttributes.get(resource.physicalId), elb.attributeChanges.get(resource.physicalId))) {
        return `Load balancer '${resource.physicalId}' cannot be deleted because deletion protection is enabled`;
      }
      return undefined;
    },
    deleted(resource: ResourceRecord) {
      if (resource.type === "AWS::S3::Bucket") s3.buckets.delete(resource.physicalId);
      if (resource.type === "AWS::EC2::VPC") ec2.removeVpc(resource.physicalId);
      if (resource.type === "AWS::ECR::Repository") ecr.repositories.delete(resource.physicalId);
      if (resource.type === "AWS::Logs::LogGroup") logs.deleteGroup(resource.physicalId);
      if (resource.type === "AWS::ECS::Service") ecs.serviceDeleted(resource.physicalId);
      if (resource.type === "AWS::ECS::TaskDefinition") ecs.taskDefinitionDeleted(resource.physicalId);
      if (resource.type === "AWS::Route53::RecordSet") {
        const properties = resource.definition.Properties ?? {};
        // The record's name is its physical id (as CloudFormation reports it); the zone is a parameter Ref.
        route53.removeAnyStackRecord(resource.physicalId, String(properties["Type"] ?? ""));
      }
    },
  };
}

/** The record set a stack's AWS::Route53::RecordSet declares, with its evaluated properties. */
function stackRecord(identity: ResourceIdentity): { zone: string; set: ResourceRecordSet } {
  const alias = identity.property("AliasTarget");
  const target = alias ? (JSON.parse(alias) as { DNSName?: string; HostedZoneId?: string; EvaluateTargetHealth?: boolean }) : undefined;
  return {
    zone: identity.property("HostedZoneId") ?? "",
    set: {
      Name: identity.property("Name"),
      Type: identity.property("Type") as RRType,
      ...(target ? { AliasTarget: { DNSName: target.DNSName, HostedZoneId: target.HostedZoneId, EvaluateTargetHealth: Boolean(target.EvaluateTargetHealth) } } : {}),
    },
  };
}

function evaluatedProperties(resource: ResourceRecord, identity: ResourceIdentity): Record<string, unknown> {
  return Object.fromEntries(Object.keys(resource.definition.Properties ?? {}).map((name) => [name, identity.value(name)]));
}

/** The template's attribute as CloudFormation evaluated it, unless someone changed it through the API since. */
function deletionProtected(declared: unknown, changed: Record<string, string> | undefined): boolean {
  const key = "deletion_protection.enabled";
  if (changed?.[key] !== undefined) return changed[key] === "true";
  const attributes = (declared ?? []) as { Key?: string; Value?: string }[];
  return attributes.some((a) => a.Key === key && a.Value === "true");
}
