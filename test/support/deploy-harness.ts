/**
 * A whole environment deployed against the fake cloud through the real engine: preflight,
 * certificate, stacks and post-deploy steps, in virtual time. Tests read the fake's state and call log.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { afterEach, beforeEach, vi } from "vitest";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClients, type AwsClients } from "../../src/aws/clients.js";
import { DeleteChangeSetCommand } from "@aws-sdk/client-cloudformation";
import { CloudFormationApi, type ChangeSetRequest } from "../../src/aws/cloudformation.js";
import type { RetryPolicy } from "../../src/aws/retry.js";
import { loadEnvironment } from "../../src/env/load.js";
import { repositoryName, type Environment } from "../../src/env/model.js";
import { certificateRunner } from "../../src/orchestrator/deploy/certificate.js";
import { deploy, type DeployReport, type DeployRequest } from "../../src/orchestrator/deploy/deploy.js";
import type { EngineEvent } from "../../src/orchestrator/events.js";
import { afterStackSteps, diagnoseStack, serviceWatch } from "../../src/orchestrator/deploy/post-deploy.js";
import { preflight } from "../../src/orchestrator/deploy/preflight.js";
import { serviceLook } from "../../src/orchestrator/deploy/service-look.js";
import { DEFAULT_POLL } from "../../src/orchestrator/watch.js";
import { createFakeCloud, type FakeCloud, type FakeCloudOptions } from "./fake-cloud/index.js";

/** Retries without real waiting: the fake's throttling tests must not sleep for seconds. */
/**
 * The name in a stack or change set ARN (…:stack/<name>/<uuid>, …:changeSet/<name>/<uuid>), or the name itself:
 * CloudFormation's APIs take either, so a test comparing calls compares names.
 */
export const nameInArn = (nameOrArn: string) => /:(?:stack|changeSet)\/([^/]+)\//.exec(nameOrArn)?.[1] ?? nameOrArn;

export const FAST_RETRY: RetryPolicy = { retries: 8, minTimeoutMs: 1, maxTimeoutMs: 5 };

export function fakeCredentialsClients(region = "us-east-2"): AwsClients {
  return createClients({ region, credentials: { accessKeyId: "AKIAFAKEFAKEFAKEFAKE", secretAccessKey: "fake" } });
}

/** Config a real deploy needs: the account the fake answers with and a well-formed secret ARN per environment. */
export function deployableConfigDir(account: string): string {
  const dir = mkdtempSync(join(tmpdir(), "orchestrate-config-"));
  const env = (name: string) =>
    `${name}:\n  account: "${account}"\n  secretsArn: arn:aws:secretsmanager:us-east-2:${account}:secret:alert-engine/${name}-AbCdEf\n`;
  writeFileSync(join(dir, "orchestrate.config.yaml"), ["dev", "stage", "prod"].map(env).join(""));
  return dir;
}

export interface Harness {
  readonly cloud: FakeCloud;
  readonly clients: AwsClients;
  readonly events: EngineEvent[];
  /** The base domain's hosted zone (totogicore.com), as preflight finds it. */
  readonly hostedZoneId: string;
  environment(name: string, vars?: NodeJS.ProcessEnv): Environment;
  deploy(envName: string, overrides?: Partial<DeployRequest>): Promise<DeployReport>;
}

/**
 * Per test: a fresh fake cloud handed to `use`, and everything put back afterwards: the fake's mocks, spies, the
 * exit code. `harness` makes the fake cloud when a file needs other latencies.
 */
export function freshHarnessEachTest(use: (h: Harness) => void, harness: () => Harness = () => deployHarness()): void {
  let current: Harness | undefined;
  beforeEach(() => {
    current = harness();
    use(current);
  });
  afterEach(() => {
    current?.cloud.restore();
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });
}

/**
 * The engine's CloudFormation API, except that its change sets on `stack` vanish as soon as they are made: another
 * run executed a change set there, and CloudFormation deleted every other one (ExecuteChangeSet), ours too.
 */
export function changeSetsVanishingOn(h: Harness, stack: string): CloudFormationApi {
  const raw = h.clients.cloudformation;
  return new (class extends CloudFormationApi {
    override async createChangeSet(request: ChangeSetRequest) {
      const created = await super.createChangeSet(request);
      if (request.stackName === stack) await raw.send(new DeleteChangeSetCommand({ StackName: stack, ChangeSetName: created.changeSetId }));
      return created;
    }
  })(raw, FAST_RETRY);
}

export function deployHarness(options: FakeCloudOptions = {}): Harness {
  const cloud = createFakeCloud(options);
  const zone = cloud.putHostedZone("totogicore.com");
  const clients = fakeCredentialsClients();
  const configDir = deployableConfigDir(cloud.account);
  const events: EngineEvent[] = [];
  const pushed = new Set<string>();
  const environment = (name: string, vars: NodeJS.ProcessEnv = {}) => loadEnvironment(name, { cwd: configDir, vars });

  return {
    cloud,
    clients,
    events,
    hostedZoneId: zone.id.replace("/hostedzone/", ""),
    environment,
    async deploy(envName, overrides = {}) {
      const env = overrides.env ?? environment(envName);
      const image = `${repositoryName(env)}:${env.imageTag}`;
      if (!pushed.has(image)) cloud.putImage(repositoryName(env), env.imageTag);
      pushed.add(image);
      const checked = await preflight({ env, clients, retry: FAST_RETRY, purpose: "deploy" });
      const emit = (event: EngineEvent) => events.push(event);
      return deploy({
        env,
        cfn: new CloudFormationApi(clients.cloudformation, FAST_RETRY),
        clock: cloud.clock,
        poll: DEFAULT_POLL,
        emit,
        context: checked.context,
        certificate: certificateRunner({ env, clients, retry: FAST_RETRY, clock: cloud.clock, emit, hostedZoneId: checked.context.HostedZoneId, timeoutMs: 45 * 60_000 }),
        approval: "never",
        approve: async () => true,
        afterStack: afterStackSteps({ env, clients, retry: FAST_RETRY }),
        diagnose: diagnoseStack({ env, clients, retry: FAST_RETRY }),
        watchWhileDeploying: serviceWatch({ env, clients, retry: FAST_RETRY }),
        serviceLook: serviceLook({ env, clients, retry: FAST_RETRY }),
        ...overrides,
      });
    },
  };
}
