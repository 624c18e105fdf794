import { createRequire } from "node:module";
import type { ACMClient } from "@aws-sdk/client-acm";
import type { CloudFormationClient, CloudFormationClientConfig } from "@aws-sdk/client-cloudformation";
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { ECRClient } from "@aws-sdk/client-ecr";
import type { ECSClient } from "@aws-sdk/client-ecs";
import type { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Route53Client } from "@aws-sdk/client-route-53";
import type { S3Client } from "@aws-sdk/client-s3";
import type { STSClient } from "@aws-sdk/client-sts";
import type { fromIni as FromIni, fromNodeProviderChain as FromNodeProviderChain } from "@aws-sdk/credential-providers";

/**
 * Each SDK client is loaded when it is first used, not when this module is: `--help` and `synth` load none,
 * and EC2's (the largest) waits until a command reaches the step that needs it.
 * In the bundle, esbuild turns each literal `require("…")` below into its bundled ES module, run on that first
 * call; pointing at the client's own file, not the package index, keeps the package's other commands and
 * schemas out of the bundle. Under tsx and vitest (no ORCHESTRATE_BUNDLE, which scripts/build.mjs defines),
 * Node's require loads the package's CommonJS build, the same one an `import` of it resolves to (the SDK's
 * package.json has no "exports"), so the classes tests mock are the classes used here.
 */
declare const ORCHESTRATE_BUNDLE: true | undefined;
let lateEc2Client: typeof EC2Client | undefined;
let lateLogsClient: typeof CloudWatchLogsClient | undefined;

/** Called by src/aws/ec2.ts as it loads: in the bundle, the EC2 client class arrives with the only code that uses it. */
export function provideEc2Client(constructor: typeof EC2Client): void {
  lateEc2Client = constructor;
}

/** Called by src/aws/logs.ts as it loads: only `orchestrate logs` reads CloudWatch Logs, so only it parses that SDK. */
export function provideLogsClient(constructor: typeof CloudWatchLogsClient): void {
  lateLogsClient = constructor;
}

function notLoaded(service: string, wrapper: string): never {
  throw new Error(`internal error: the ${service} client was used before ${wrapper} was imported`);
}
const load = typeof ORCHESTRATE_BUNDLE === "undefined" ? createRequire(import.meta.url) : undefined;
type Sdk<P> = () => P;
const sdk: {
  acm: Sdk<{ ACMClient: typeof ACMClient }>;
  cloudformation: Sdk<{ CloudFormationClient: typeof CloudFormationClient }>;
  ec2: Sdk<{ EC2Client: typeof EC2Client }>;
  ecr: Sdk<{ ECRClient: typeof ECRClient }>;
  ecs: Sdk<{ ECSClient: typeof ECSClient }>;
  elbv2: Sdk<{ ElasticLoadBalancingV2Client: typeof ElasticLoadBalancingV2Client }>;
  logs: Sdk<{ CloudWatchLogsClient: typeof CloudWatchLogsClient }>;
  route53: Sdk<{ Route53Client: typeof Route53Client }>;
  s3: Sdk<{ S3Client: typeof S3Client }>;
  sts: Sdk<{ STSClient: typeof STSClient }>;
  fromIni: Sdk<{ fromIni: typeof FromIni }>;
  fromNodeProviderChain: Sdk<{ fromNodeProviderChain: typeof FromNodeProviderChain }>;
} = {
  acm: () => (load ? load("@aws-sdk/client-acm") : require("@aws-sdk/client-acm/dist-es/ACMClient.js")),
  cloudformation: () => (load ? load("@aws-sdk/client-cloudformation") : require("@aws-sdk/client-cloudformation/dist-es/CloudFormationClient.js")),
  // Not required here: even EC2's client file pulls in ~0.6 MB of schemas, which would then sit in the chunk
  // every command parses. Its wrapper (ec2.ts, imported when a step needs it) hands the class over instead.
  ec2: () => (load ? load("@aws-sdk/client-ec2") : { EC2Client: lateEc2Client ?? notLoaded("EC2", "src/aws/ec2.ts") }),
  ecr: () => (load ? load("@aws-sdk/client-ecr") : require("@aws-sdk/client-ecr/dist-es/ECRClient.js")),
  ecs: () => (load ? load("@aws-sdk/client-ecs") : require("@aws-sdk/client-ecs/dist-es/ECSClient.js")),
  elbv2: () =>
    load ? load("@aws-sdk/client-elastic-load-balancing-v2") : require("@aws-sdk/client-elastic-load-balancing-v2/dist-es/ElasticLoadBalancingV2Client.js"),
  // Handed over by its wrapper like EC2's: no other command should carry it in the chunk every command parses.
  logs: () => (load ? load("@aws-sdk/client-cloudwatch-logs") : { CloudWatchLogsClient: lateLogsClient ?? notLoaded("CloudWatch Logs", "src/aws/logs.ts") }),
  route53: () => (load ? load("@aws-sdk/client-route-53") : require("@aws-sdk/client-route-53/dist-es/Route53Client.js")),
  s3: () => (load ? load("@aws-sdk/client-s3") : require("@aws-sdk/client-s3/dist-es/S3Client.js")),
  sts: () => (load ? load("@aws-sdk/client-sts") : require("@aws-sdk/client-sts/dist-es/STSClient.js")),
  fromIni: () => (load ? load("@aws-sdk/credential-providers") : require("@aws-sdk/credential-providers/dist-es/fromIni.js")),
  fromNodeProviderChain: () =>
    load ? load("@aws-sdk/credential-providers") : require("@aws-sdk/credential-providers/dist-es/fromNodeProviderChain.js"),
};

type Credentials = NonNullable<CloudFormationClientConfig["credentials"]>;

export interface ClientSettings {
  readonly region: string;
  readonly profile?: string;
  /** LocalStack or another emulator: every client talks to it, S3 path-style. */
  readonly endpointUrl?: string;
  readonly credentials?: Credentials;
  /** The HTTP handler's limits; the defaults suit AWS (tests set small ones). */
  readonly timeouts?: HttpTimeouts;
}

export interface HttpTimeouts {
  /** TCP and TLS connection setup. */
  readonly connectionMs: number;
  /** The whole request and response. Below the retry layer's per-attempt deadline (retry.ts), which backs it up. */
  readonly requestMs: number;
}

export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = { connectionMs: 5_000, requestMs: 25_000 };

/** One client per service for the whole run; created on first use. */
export interface AwsClients {
  readonly cloudformation: CloudFormationClient;
  readonly acm: ACMClient;
  readonly route53: Route53Client;
  readonly ecr: ECRClient;
  readonly s3: S3Client;
  readonly sts: STSClient;
  readonly ec2: EC2Client;
  readonly ecs: ECSClient;
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly logs: CloudWatchLogsClient;
}

export function createClients(settings: ClientSettings): AwsClients {
  // A named profile (--profile or AWS_PROFILE) means that profile's credentials (keys, role, SSO, process) or an
  // error, as with the AWS CLI. The default chain would pass over a mistyped or missing profile to its next
  // source, a container or instance role, and deploy as whatever account that role belongs to.
  const profile = settings.profile ?? process.env.AWS_PROFILE;
  const credentials = settings.credentials ?? (profile ? sdk.fromIni().fromIni({ profile }) : sdk.fromNodeProviderChain().fromNodeProviderChain());
  // Retries live in one place (aws/retry.ts, p-retry) so attempts are bounded and visible, not multiplied by two layers.
  const timeouts = settings.timeouts ?? DEFAULT_HTTP_TIMEOUTS;
  // The SDK's handler has no timeouts by default (0 disables them) and, since @smithy/node-http-handler 4.4,
  // only warns when requestTimeout passes unless throwOnRequestTimeout is set: without both, a request whose
  // answer never comes hangs the run.
  const requestHandler = { connectionTimeout: timeouts.connectionMs, requestTimeout: timeouts.requestMs, throwOnRequestTimeout: true };
  const common = {
    region: settings.region,
    credentials,
    maxAttempts: 1,
    requestHandler,
    ...(settings.endpointUrl ? { endpoint: settings.endpointUrl } : {}),
  };
  const cache = new Map<string, unknown>();
  const lazy = <T>(key: string, make: () => T): T => {
    if (!cache.has(key)) cache.set(key, make());
    return cache.get(key) as T;
  };
  return {
    get cloudformation() { return lazy("cloudformation", () => new (sdk.cloudformation().CloudFormationClient)(common)); },
    get acm() { return lazy("acm", () => new (sdk.acm().ACMClient)(common)); },
    get route53() { return lazy("route53", () => new (sdk.route53().Route53Client)(common)); },
    get ecr() { return lazy("ecr", () => new (sdk.ecr().ECRClient)(common)); },
    get s3() { return lazy("s3", () => new (sdk.s3().S3Client)({ ...common, forcePathStyle: Boolean(settings.endpointUrl) })); },
    get sts() { return lazy("sts", () => new (sdk.sts().STSClient)(common)); },
    get ec2() { return lazy("ec2", () => new (sdk.ec2().EC2Client)(common)); },
    get ecs() { return lazy("ecs", () => new (sdk.ecs().ECSClient)(common)); },
    get elbv2() { return lazy("elbv2", () => new (sdk.elbv2().ElasticLoadBalancingV2Client)(common)); },
    get logs() { return lazy("logs", () => new (sdk.logs().CloudWatchLogsClient)(common)); },
  };
}
