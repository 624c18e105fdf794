/**
 * The test-facing side of the fake: seed state ("a stack already in ROLLBACK_COMPLETE", "an image
 * in ECR"), inject failures, and inspect what the code under test left behind.
 */
import type { ResourceRecordSet } from "@aws-sdk/client-route-53";
import type { FakeAcm } from "./acm.js";
import type { FakeCloudFormation, RetainedResource } from "./cloudformation.js";
import type { ValidationFindingSeed } from "./early-validation.js";
import type { FakeEc2, FakeSecurityGroup } from "./ec2.js";
import type { FakeEcr } from "./ecr.js";
import type { FakeEcs } from "./ecs.js";
import type { EcsTrouble, UnhealthySeed } from "./ecs-state.js";
import { ecsServiceView, putService, type EcsServiceView, type ServiceSeed } from "./ecs-seeding.js";
import type { FakeElb, TargetHealthSeed } from "./elb.js";
import type { FakeRoute53 } from "./route53.js";
import type { FakeS3 } from "./s3.js";
import { seedStack, type StackSeed } from "./stack-seeds.js";
import type { StackRecord } from "./stack-state.js";
import type { ParsedTemplate } from "./template.js";
import type { World } from "./world.js";

export interface Services {
  world: World;
  cloudFormation: FakeCloudFormation;
  s3: FakeS3;
  ec2: FakeEc2;
  ecr: FakeEcr;
  route53: FakeRoute53;
  acm: FakeAcm;
  ecs: FakeEcs;
  elb: FakeElb;
}


export interface StackView {
  name: string;
  id: string;
  status: string;
  statusReason?: string | undefined;
  parameters: Record<string, string>;
  tags: Record<string, string>;
  outputs: Record<string, string>;
  terminationProtection: boolean;
  capabilities: string[];
  templateBody: string;
  template: ParsedTemplate;
  resources: Record<string, { type: string; physicalId: string; status: string; reason?: string | undefined }>;
  /** Oldest first. */
  events: { logicalId: string; physicalId: string; type: string; status: string; reason?: string | undefined; at: number }[];
  changeSets: { name: string; status: string; executionStatus: string; statusReason?: string | undefined }[];
}

export interface ResourceFailure {
  stack: string;
  logicalId: string;
  /** Default "create". */
  operation?: "create" | "update" | "delete";
  reason?: string;
  /** How many attempts fail; default: every one until clearFailures(). */
  times?: number;
}

export class SeedingApi {
  constructor(readonly services: Services) {}

  // ---- CloudFormation ----

  /** Starts a stack in any state, e.g. ROLLBACK_COMPLETE, or UPDATE_IN_PROGRESS finishing later. */
  putStack(seed: StackSeed): StackView {
    return view(seedStack(this.services.cloudFormation, this.services.world, seed));
  }

  /** The stack as it is at the current virtual time: live by name, or deleted by ARN. */
  stack(nameOrId: string): StackView | undefined {
    this.services.cloudFormation.settle();
    const stack = this.services.cloudFormation.find(nameOrId);
    return stack ? view(stack) : undefined;
  }

  /** Pre-deployment validation reports this finding for every change set whose template has the resource. */
  failValidation(finding: ValidationFindingSeed): void {
    this.services.cloudFormation.validationFindings.push(finding);
  }

  /** Someone edits (or deletes) a stack's resource in the console: drift detection will find it. */
  driftResource(stackName: string, logicalId: string, status: "MODIFIED" | "DELETED" = "MODIFIED"): void {
    const stack = this.services.cloudFormation.find(stackName);
    if (!stack?.resources.has(logicalId)) throw new Error(`FakeCloud: no resource ${logicalId} in ${stackName} to drift`);
    const book = this.services.cloudFormation.drift;
    if (!book.has(stack.id)) book.set(stack.id, new Map());
    book.get(stack.id)!.set(logicalId, status);
  }

  /** Someone changes a stack outside the code under test (console edit, another pipeline). */
  changeStackBehindOurBack(name: string, mutate: (stack: StackRecord) => void): void {
    this.services.cloudFormation.settle();
    const stack = this.services.cloudFormation.find(name);
    if (!stack) throw new Error(`FakeCloud: no stack ${name} to change`);
    mutate(stack);
    stack.updatedAt = this.services.world.clock.now();
  }

  failResource(failure: ResourceFailure): void {
    const operation = failure.operation ?? "create";
    this.services.cloudFormation.failures.push({
      stack: failure.stack,
      logicalId: failure.logicalId,
      operation,
      reason: failure.reason ?? `Resource handler returned message: "${failure.logicalId} failed to ${operation} (injected by FakeCloud)" (HandlerErrorCode: GeneralServiceException)`,
      remaining: failure.times ?? Number.POSITIVE_INFINITY,
    });
  }

  /** The next rollback of that stack fails (ROLLBACK_FAILED / UPDATE_ROLLBACK_FAILED); `times` rollback actions fail, default 1. */
  failRollback(options: { stack: string; times?: number }): void {
    this.services.cloudFormation.rollbackFailures.push({ stack: options.stack, remaining: options.times ?? 1 });
  }

  /**
   * The next DeleteStack of that stack ends in DELETE_FAILED even with no resource left to delete: the service
   * role the stack was created with is gone, and CloudFormation answers "Role <arn> is invalid or cannot be
   * assumed" (AWS re:Post knowledge center, "cloudformation-stack-delete-failed" and "cloudformation-role-arn-error").
   */
  failStackDeletion(options: { stack: string; reason?: string; times?: number }): void {
    const role = `arn:aws:iam::${this.services.world.account}:role/cloudformation-deployer`;
    this.services.cloudFormation.stackDeletionFailures.push({ stack: options.stack, reason: options.reason ?? `Role ${role} is invalid or cannot be assumed`, remaining: options.times ?? 1 });
  }

  clearFailures(): void {
    this.services.cloudFormation.failures.length = 0;
    this.services.cloudFormation.rollbackFailures.length = 0;
    this.services.cloudFormation.stackDeletionFailures.length = 0;
  }

  /** Resources CloudFormation left in place because of DeletionPolicy/UpdateReplacePolicy Retain or RetainResources. */
  retainedResources(): RetainedResource[] {
    this.services.cloudFormation.settle();
    return [...this.services.cloudFormation.retained];
  }

  // ---- ACM ----

  /** `issuedAt`: the virtual time ACM issued it (undefined while it is not issued). */
  certificates(): { arn: string; domainName: string; status: string; region: string; tags: { Key?: string; Value?: string }[]; issuedAt?: number | undefined }[] {
    return this.services.acm.certificates.map((c) => {
      this.services.acm.find(c.arn);
      return { arn: c.arn, domainName: c.domainName, status: c.status, region: c.region, tags: [...c.tags], issuedAt: c.issuedAt };
    });
  }

  /** DNS validation never succeeds (the record is wrong, the zone not delegated...). */
  neverValidate(): void {
    this.services.acm.validationDisabled = true;
  }

  failCertificate(arn: string, reason = "OTHER"): void {
    this.services.acm.fail(arn, reason);
  }

  markCertificateInUse(arn: string, by = `arn:aws:elasticloadbalancing:${this.services.world.region}:${this.services.world.account}:loadbalancer/app/fake/0123456789abcdef`): void {
    this.services.acm.mustFind(arn).inUseBy.push(by);
  }

  // ---- Route 53 ----

  putHostedZone(name: string, options: { private?: boolean } = {}): { id: string; name: string } {
    const zone = this.services.route53.putHostedZone(name, options);
    return { id: zone.id, name: zone.name };
  }

  records(zoneName: string): ResourceRecordSet[] {
    const zone = [...this.services.route53.zones.values()].find((z) => z.name === (zoneName.endsWith(".") ? zoneName : `${zoneName}.`).toLowerCase());
    return zone ? [...zone.records.values()].map((r) => structuredClone(r.set)) : [];
  }

  /** When Route 53's name servers began serving the record of this name and type as it now is (its change INSYNC). */
  recordServedSince(name: string, type: string): number | undefined {
    return this.services.route53.servedSince(name, type);
  }

  /**
   * Route 53 keeps every change to records of this name PENDING: its name servers go on answering as before
   * (a stuck propagation; GetChange never says INSYNC).
   */
  holdDnsChanges(name: string): void {
    this.services.route53.heldNames.add(name.toLowerCase().replace(/\.?$/, "."));
  }

  // ---- S3 ----

  putBucket(name: string, options: { versioned?: boolean } = {}): void {
    this.services.s3.createBucket(name, options);
  }

  /** Writes an object (creating the bucket if needed) and returns its version id ("null" when unversioned). */
  putObject(bucket: string, key: string, options: { versioned?: boolean; body?: string | Buffer } = {}): string {
    const b = this.services.s3.createBucket(bucket, options);
    if (options.versioned) b.versioning = "Enabled";
    return this.services.s3.put(bucket, key, Buffer.from(options.body ?? `content of ${key}`)).versionId;
  }

  /**
   * DeleteObjects refuses every version of this key from now on, as S3 does for an object under Object Lock
   * retention ("Access Denied because object protected by object lock") or one a bucket policy denies deleting.
   * Without `message` the refusal carries only its Code: the S3 API model marks every member of DeleteObjects'
   * Error (Key, VersionId, Code, Message) as optional.
   */
  protectObject(bucket: string, key: string, error: { code: string; message?: string } = { code: "AccessDenied", message: "Access Denied because object protected by object lock." }): void {
    const b = this.services.s3.mustGet(bucket);
    (b.undeletable ??= new Map()).set(key, error);
  }

  /** Deletes without a version id: a delete marker in a versioned bucket. */
  deleteObject(bucket: string, key: string): void {
    this.services.s3.delete(this.services.s3.mustGet(bucket), key);
  }

  bucket(name: string): { versioning?: string | undefined; entries: { key: string; versionId: string; deleteMarker: boolean }[] } | undefined {
    this.services.cloudFormation.settle();
    const b = this.services.s3.buckets.get(name);
    if (!b) return undefined;
    return { versioning: b.versioning, entries: this.services.s3.ordered(b).map((v) => ({ key: v.key, versionId: v.versionId, deleteMarker: v.deleteMarker })) };
  }

  // ---- ECR ----

  putRepository(name: string): void {
    this.services.ecr.createRepository(name);
  }

  putImage(repository: string, tag: string, options: { digest?: string } = {}): { digest: string; uri: string } {
    const image = this.services.ecr.putImage(repository, tag, options);
    const repo = this.services.ecr.repositories.get(repository)!;
    return { digest: image.digest, uri: `${this.services.ecr.uri(repo)}:${tag}` };
  }

  // ---- EC2 / ECS / ELB ----

  putVpc(options: { cidr?: string } = {}): { vpcId: string; defaultSecurityGroupId: string } {
    const vpc = this.services.ec2.addVpc(undefined, options.cidr);
    return { vpcId: vpc.id, defaultSecurityGroupId: vpc.defaultSecurityGroupId };
  }

  securityGroup(id: string): FakeSecurityGroup | undefined {
    this.services.cloudFormation.settle();
    const group = this.services.ec2.securityGroups.get(id);
    return group ? structuredClone(group) : undefined;
  }

  /** Every ECS task started from now on stops for this reason (undefined: healthy again). */
  ecsTrouble(trouble: EcsTrouble | undefined): void {
    this.services.ecs.trouble = trouble;
  }

  /**
   * Tasks whose image (or task definition ARN) contains `match` stop this way: a pull failure
   * (containerReason "CannotPullContainerError: …") before RUNNING, anything else a few seconds after it starts.
   */
  imageTrouble(match: string, trouble: EcsTrouble): void {
    this.services.ecs.troubleByImage.unshift({ match, trouble });
  }

  /** Tasks whose image (or task definition ARN) contains `match` start but fail the load balancer's health checks. */
  unhealthyImage(match: string, seed: UnhealthySeed = { reason: "Target.ResponseCodeMismatch", description: "Health checks failed with these codes: [500]" }): void {
    this.services.ecs.unhealthyByImage.unshift({ match, seed });
  }

  /** DescribeTargetHealth answers exactly this for any target group (undefined: the tasks registered in it). */
  targetHealth(targets: TargetHealthSeed[] | undefined): void {
    this.services.elb.targets = targets;
  }

  /**
   * An ECS service that has been running, steady, all along (as if created long ago), with a task definition
   * registered for `image`. Services of stacks a test deploys or seeds come from CloudFormation instead.
   */
  putService(options: ServiceSeed): { serviceArn: string; taskDefinitionArn: string } {
    return putService(this.services.ecs, this.services.elb, this.services.world, options);
  }

  /** The service as the fake ECS holds it now (by name in a cluster, or by ARN). */
  ecsService(cluster: string, service: string): EcsServiceView | undefined {
    this.services.cloudFormation.settle();
    return ecsServiceView(this.services.ecs, cluster, service);
  }

}

function view(stack: StackRecord): StackView {
  return {
    name: stack.name,
    id: stack.id,
    status: stack.status,
    statusReason: stack.reason,
    parameters: { ...stack.parameters },
    tags: { ...stack.tags },
    outputs: Object.fromEntries(stack.outputs.map((o) => [o.key, o.value])),
    terminationProtection: stack.terminationProtection,
    capabilities: [...stack.capabilities],
    templateBody: stack.templateBody,
    template: stack.template,
    resources: Object.fromEntries([...stack.resources].map(([id, r]) => [id, { type: r.type, physicalId: r.physicalId, status: r.status, reason: r.reason }])),
    events: stack.events.map((e) => ({ logicalId: e.logicalId, physicalId: e.physicalId, type: e.type, status: e.status, reason: e.reason, at: e.at })),
    changeSets: [...stack.changeSets.values()].map((cs) => ({ name: cs.name, status: cs.status, executionStatus: cs.executionStatus, statusReason: cs.statusReason })),
  };
}
