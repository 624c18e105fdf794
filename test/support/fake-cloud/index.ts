/**
 * A stateful fake AWS for tests: `createFakeCloud()` answers every SDK client the code under test
 * creates, keeps state between calls (stacks progress, certificates get issued, buckets fill and
 * empty) and runs in virtual time. Anything it does not implement fails loudly.
 *
 *   const cloud = createFakeCloud();
 *   afterEach(() => cloud.restore());
 */
import { ACMClient, ACMServiceException } from "@aws-sdk/client-acm";
import { CloudFormationClient, CloudFormationServiceException } from "@aws-sdk/client-cloudformation";
import { CloudWatchLogsClient, CloudWatchLogsServiceException } from "@aws-sdk/client-cloudwatch-logs";
import { EC2Client, EC2ServiceException } from "@aws-sdk/client-ec2";
import { ECRClient, ECRServiceException } from "@aws-sdk/client-ecr";
import { ECSClient, ECSServiceException } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client, ElasticLoadBalancingV2ServiceException } from "@aws-sdk/client-elastic-load-balancing-v2";
import { Route53Client, Route53ServiceException } from "@aws-sdk/client-route-53";
import { S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { STSClient, STSServiceException } from "@aws-sdk/client-sts";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { FakeAcm } from "./acm.js";
import { VirtualClock } from "./clock.js";
import { cloudFormationHandlers } from "./cloudformation-api.js";
import { FakeCloudFormation } from "./cloudformation.js";
import { FakeEc2 } from "./ec2.js";
import { FakeEcr } from "./ecr.js";
import { FakeEcs } from "./ecs.js";
import type { EcsTiming } from "./ecs-state.js";
import { FakeElb } from "./elb.js";
import { abortError, awsError, connectionError, networkError, throttlingError, UnexpectedCommandError, type ErrorClass } from "./errors.js";
import { Ids } from "./ids.js";
import { FakeLogs } from "./logs.js";
import { defaultResourceMs } from "./resource-types.js";
import { defaultConfiguredMs } from "./express.js";
import { resourceHooks } from "./resource-hooks.js";
import { FakeRoute53 } from "./route53.js";
import { FakeS3 } from "./s3.js";
import type { Handlers, Timing, World } from "./world.js";
import { SeedingApi } from "./seeding.js";

// Everything a test may need, so both entry points (this file and ../fake-cloud.ts) serve alike.
export { VirtualClock, type Clock } from "./clock.js";
export type { RetainedResource } from "./cloudformation.js";
export type { StackSeed } from "./stack-seeds.js";
export type { StackView, ResourceFailure } from "./seeding.js";
export type { StackRecord } from "./stack-state.js";
export type { EcsTrouble, EcsTiming, UnhealthySeed } from "./ecs-state.js";
export { DEFAULT_ECS_TIMING } from "./ecs-state.js";
export type { TargetHealthSeed } from "./elb.js";
export type { EcsServiceView, ServiceSeed } from "./ecs-seeding.js";
export { defaultResourceMs, realisticResourceMs } from "./resource-types.js";
export { realisticConfiguredMs } from "./express.js";
export { validationRecord } from "./acm.js";
export { TEMPLATE_BODY_LIMIT } from "./cloudformation-api.js";
export { DELETE_OBJECTS_LIMIT } from "./s3.js";
export { NO_CHANGES_REASON } from "./change-sets.js";

export type ServiceName = "CloudFormation" | "ACM" | "Route53" | "ECR" | "S3" | "STS" | "EC2" | "ECS" | "ELBv2" | "Logs";

export interface FakeCloudOptions {
  account?: string;
  /** Region used when a client's own region cannot be read. Default us-east-2. */
  region?: string;
  /** Virtual time at start (epoch ms or Date). Default 2025-01-01T00:00:00Z. */
  startTime?: number | Date;
  /** Virtual latencies; the defaults make API calls instant and resources take a second or so. */
  latency?: { apiMs?: number; resourceMs?: (type: string) => number; configuredMs?: (type: string) => number };
  changeSetMs?: number;
  certificateRecordMs?: number;
  certificateValidationMs?: number;
  dnsPropagationMs?: number;
  /** ECS rollout latencies (task start, crash, restart); health checks and draining come from the target group. */
  ecs?: Partial<EcsTiming>;
}

export interface CallRecord {
  service: ServiceName;
  /** Operation name without the `Command` suffix, e.g. "CreateChangeSet". */
  command: string;
  input: unknown;
  /** Virtual time the call was made. */
  at: number;
  region: string;
  /** Name of the error the call failed with, if it did. */
  error?: string;
}

const MUTATING_PREFIXES = ["Create", "Update", "Delete", "Put", "Request", "Execute", "Change", "Revoke", "Authorize", "Add", "Remove", "Tag", "Continue", "Upload", "Start", "Stop", "Set"];

const CLIENTS = {
  CloudFormation: [CloudFormationClient, CloudFormationServiceException],
  ACM: [ACMClient, ACMServiceException],
  Route53: [Route53Client, Route53ServiceException],
  ECR: [ECRClient, ECRServiceException],
  S3: [S3Client, S3ServiceException],
  STS: [STSClient, STSServiceException],
  EC2: [EC2Client, EC2ServiceException],
  ECS: [ECSClient, ECSServiceException],
  ELBv2: [ElasticLoadBalancingV2Client, ElasticLoadBalancingV2ServiceException],
  Logs: [CloudWatchLogsClient, CloudWatchLogsServiceException],
} as const;

type Mocks = { [K in ServiceName]: AwsClientStub<InstanceType<(typeof CLIENTS)[K][0]>> };

interface Fault {
  command?: string | undefined;
  remaining: number;
  make(service: ServiceName): Error;
  /** The call is never answered (see `stall`) instead of failing with `make`'s error. */
  stall?: boolean;
  /** Told when a call stalls (e.g. to press Ctrl-C while it hangs). */
  onStall?: (() => void) | undefined;
}

/** What the SDK's `send(command, options)` passes on: the per-request abort signal. */
interface SendOptions {
  abortSignal?: AbortSignal;
}

/** The sinon stub behind each mock, seen loosely: its fake receives the whole command and the client as `this`. */
interface LooseStub {
  callsFake(fn: (this: unknown, command: { input?: unknown; constructor: { name: string } }, options?: SendOptions) => Promise<unknown>): unknown;
}

export class FakeCloud extends SeedingApi {
  readonly clock: VirtualClock;
  readonly account: string;
  readonly region: string;
  readonly calls: CallRecord[] = [];
  /** CloudWatch Logs: `cloud.logs.append(group, stream, message, at)` seeds what a container wrote. */
  readonly logs: FakeLogs;
  /**
   * The aws-sdk-client-mock stubs, for a test that wants to override one command by hand
   * (`cloud.mocks.STS.on(GetCallerIdentityCommand).rejects(...)`); overridden calls bypass the call log.
   */
  readonly mocks: Mocks;
  private readonly handlers: Record<ServiceName, Handlers>;
  private readonly faults: Fault[] = [];
  private readonly answeredCount = new Map<string, number>();
  private readonly answerWaiters: { command: string; count: number; resolve: () => void }[] = [];
  private readonly timing: Timing;

  constructor(options: FakeCloudOptions = {}) {
    const clock = new VirtualClock(options.startTime === undefined ? undefined : Number(options.startTime));
    const timing: Timing = {
      apiMs: options.latency?.apiMs ?? 0,
      resourceMs: options.latency?.resourceMs ?? defaultResourceMs,
      configuredMs: options.latency?.configuredMs ?? defaultConfiguredMs,
      changeSetMs: options.changeSetMs ?? 3_000,
      certificateRecordMs: options.certificateRecordMs ?? 5_000,
      certificateValidationMs: options.certificateValidationMs ?? 60_000,
      // "Changes generally propagate to all Route 53 name servers managing the hosted zone within 60 seconds"
      // (API reference, ChangeResourceRecordSets); half a minute is typical.
      dnsPropagationMs: options.dnsPropagationMs ?? 30_000,
    };
    const world: World = { clock, ids: new Ids(), account: options.account ?? "123456789012", region: options.region ?? "us-east-2", timing };
    const s3 = new FakeS3(world);
    const ec2 = new FakeEc2(world);
    const ecr = new FakeEcr(world);
    const route53 = new FakeRoute53(world);
    const acm = new FakeAcm(world, route53);
    // ELB's targets are ECS's tasks, and ECS rolls out by ELB's health check settings: each asks the other.
    const elb: FakeElb = new FakeElb((arn) => registeredTasks(ecs, arn));
    const ecs: FakeEcs = new FakeEcs(world, (arn) => elb.targetGroups.get(arn), options.ecs);
    const logs = new FakeLogs(world);
    const cloudFormation = new FakeCloudFormation(world, resourceHooks(world, s3, ec2, ecr, ecs, elb, logs, route53));
    super({ world, cloudFormation, s3, ec2, ecr, route53, acm, ecs, elb });
    this.clock = clock;
    this.timing = timing;
    this.account = world.account;
    this.region = world.region;
    this.logs = logs;

    this.handlers = {
      CloudFormation: cloudFormationHandlers(cloudFormation, world, (bucket, key) => s3.readText(bucket, key)),
      ACM: acm.handlers(),
      Route53: route53.handlers(),
      ECR: ecr.handlers(),
      S3: s3.handlers(),
      STS: {
        GetCallerIdentity: () => ({ Account: world.account, Arn: `arn:aws:iam::${world.account}:user/fake-deployer`, UserId: "AIDAFAKEFAKEFAKEFAKE0" }),
      },
      EC2: ec2.handlers(),
      ECS: ecs.handlers(),
      ELBv2: elb.handlers(),
      Logs: logs.handlers(),
    };

    const cloud = this;
    const mocks: Partial<Record<ServiceName, { send: unknown; restore(): void }>> = {};
    for (const service of Object.keys(CLIENTS) as ServiceName[]) {
      const mock = mockClient(CLIENTS[service][0] as unknown as Parameters<typeof mockClient>[0]);
      // The default behaviour of the whole stub, not `onAnyCommand()`: only the stub's own fake sees
      // the command object, and the loud "unexpected X" error needs its name. `mock.on(X)` still overrides.
      (mock.send as unknown as LooseStub).callsFake(function (command, options) {
        return cloud.dispatch(service, command, this, options);
      });
      mocks[service] = mock;
    }
    this.mocks = mocks as Mocks;
  }

  /** Puts every SDK client back as it was. Call in afterEach. */
  restore(): void {
    for (const mock of Object.values(this.mocks)) mock.restore();
  }

  /** Calls of one operation ("CreateChangeSet" or "CreateChangeSetCommand"), in order. */
  callsOf(command: string): CallRecord[] {
    const name = command.replace(/Command$/, "");
    return this.calls.filter((c) => c.command === name);
  }

  /**
   * Resolves once `count` calls of `command` have been answered, in that same virtual instant: the waiting
   * test resumes before the clock can move (it moves only when every awake caller is done), so it can start
   * a second run at an exact point of the first, whatever the real time the first took to get there.
   */
  answered(command: string, count: number): Promise<void> {
    const name = command.replace(/Command$/, "");
    if ((this.answeredCount.get(name) ?? 0) >= count) return Promise.resolve();
    return new Promise((resolve) => this.answerWaiters.push({ command: name, count, resolve }));
  }

  private noteAnswered(name: string): void {
    const count = (this.answeredCount.get(name) ?? 0) + 1;
    this.answeredCount.set(name, count);
    for (const waiter of this.answerWaiters.filter((w) => w.command === name && w.count <= count)) {
      this.answerWaiters.splice(this.answerWaiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }

  /** Calls that change something in AWS (by operation-name prefix). */
  mutatingCalls(): CallRecord[] {
    return this.calls.filter((c) => MUTATING_PREFIXES.some((prefix) => c.command.startsWith(prefix)));
  }

  /** The next `times` calls (of `command`, or of anything) fail with a ThrottlingException. */
  throttle(options: { command?: string; times?: number } = {}): void {
    this.faults.push({ command: options.command?.replace(/Command$/, ""), remaining: options.times ?? 1, make: (service) => throttlingError(CLIENTS[service][1] as unknown as ErrorClass) });
  }

  /** The next `times` calls (of `command`, or of anything) fail as if the connection dropped. */
  networkError(options: { command?: string; times?: number } = {}): void {
    this.faults.push({ command: options.command?.replace(/Command$/, ""), remaining: options.times ?? 1, make: () => networkError() });
  }

  /**
   * The next `times` calls (of `command`, or of anything) are never answered: the request went out and no
   * response ever comes (a stalled connection, a proxy that swallows it). As with the SDK's HTTP handler,
   * only the request's abortSignal ends it, rejecting with an AbortError ("Request aborted").
   */
  stall(options: { command?: string; times?: number; onStall?: () => void } = {}): void {
    this.faults.push({ command: options.command?.replace(/Command$/, ""), remaining: options.times ?? 1, make: () => abortError(), stall: true, onStall: options.onStall });
  }

  /**
   * The next `times` calls (of `command`, or of anything) are answered HTTP 501: the endpoint does not implement
   * the operation (S3's NotImplemented; LocalStack answers 501 for an API it does not emulate).
   */
  notImplemented(options: { command?: string; times?: number; name?: string } = {}): void {
    const name = options.name ?? "NotImplemented";
    this.faults.push({
      command: options.command?.replace(/Command$/, ""),
      remaining: options.times ?? 1,
      make: (service) => awsError(CLIENTS[service][1] as unknown as ErrorClass, name, "The operation is not implemented by this endpoint", { status: 501, fault: "server" }),
    });
  }

  /** The next `times` calls (of `command`, or of anything) fail to connect with this socket error code. */
  connectionError(code: string, options: { command?: string; times?: number } = {}): void {
    this.faults.push({ command: options.command?.replace(/Command$/, ""), remaining: options.times ?? 1, make: () => connectionError(code) });
  }

  private async dispatch(
    service: ServiceName,
    command: { input?: unknown; constructor: { name: string } },
    client: unknown,
    options: SendOptions = {},
  ): Promise<unknown> {
    const name = command.constructor.name.replace(/Command$/, "");
    // Logged before any await, so the log keeps the order in which calls were made.
    const record: CallRecord = { service, command: name, input: command.input, at: this.clock.now(), region: this.region };
    this.calls.push(record);
    try {
      record.region = await regionOf(client, this.region);
      const region = record.region;
      if (this.timing.apiMs > 0) await this.clock.sleep(this.timing.apiMs);
      const fault = this.faults.find((f) => f.remaining > 0 && (f.command === undefined || f.command === name));
      if (fault) {
        fault.remaining -= 1;
        if (fault.stall) fault.onStall?.();
        if (fault.stall) await neverAnswered(options.abortSignal, () => fault.make(service));
        throw fault.make(service);
      }
      const handler = this.handlers[service][name];
      if (!handler) throw new UnexpectedCommandError(service, command.constructor.name);
      this.services.cloudFormation.settle();
      const output = await handler(cloneInput(command.input), { region });
      this.noteAnswered(name);
      return { ...(output as object), $metadata: { httpStatusCode: 200, requestId: this.services.world.ids.uuid("request"), attempts: 1, totalRetryDelay: 0 } };
    } catch (error) {
      record.error = (error as Error).name;
      throw error;
    }
  }
}

export function createFakeCloud(options: FakeCloudOptions = {}): FakeCloud {
  return new FakeCloud(options);
}

/** The tasks of the services registered in a target group, brought up to now; undefined when no service uses it. */
function registeredTasks(ecs: FakeEcs, targetGroupArn: string) {
  ecs.model.advance();
  const services = [...ecs.model.services.values()].filter((s) => s.loadBalancers.some((l) => l.targetGroupArn === targetGroupArn));
  if (services.length === 0) return undefined;
  return services.flatMap((s) => s.tasks.map((task) => ({ task, port: s.loadBalancers.find((l) => l.targetGroupArn === targetGroupArn)!.containerPort })));
}

/** Pending until the request is aborted; then rejects as the SDK's HTTP handler does. */
function neverAnswered(signal: AbortSignal | undefined, aborted: () => Error): Promise<never> {
  return new Promise((_, reject) => {
    if (signal?.aborted) return reject(aborted());
    signal?.addEventListener("abort", () => reject(aborted()), { once: true });
  });
}

async function regionOf(client: unknown, fallback: string): Promise<string> {
  const region = (client as { config?: { region?: unknown } } | undefined)?.config?.region;
  try {
    const value = typeof region === "function" ? await (region as () => Promise<string>)() : region;
    return typeof value === "string" && value ? value : fallback;
  } catch {
    return fallback;
  }
}

/** The fake keeps what it is given; a copy stops a caller's later mutation from reaching into its state. */
function cloneInput(input: unknown): unknown {
  try {
    return structuredClone(input);
  } catch {
    return input;
  }
}
