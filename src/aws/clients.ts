import { ACMClient } from "@aws-sdk/client-acm";
import { CloudFormationClient, type CloudFormationClientConfig } from "@aws-sdk/client-cloudformation";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ECRClient } from "@aws-sdk/client-ecr";
import { ECSClient } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { Route53Client } from "@aws-sdk/client-route-53";
import { S3Client } from "@aws-sdk/client-s3";
import { STSClient } from "@aws-sdk/client-sts";
import { fromIni, fromNodeProviderChain } from "@aws-sdk/credential-providers";

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
}

export function createClients(settings: ClientSettings): AwsClients {
  // A named profile (--profile or AWS_PROFILE) means that profile's credentials (keys, role, SSO, process) or an
  // error, as with the AWS CLI. The default chain would pass over a mistyped or missing profile to its next
  // source, a container or instance role, and deploy as whatever account that role belongs to.
  const profile = settings.profile ?? process.env.AWS_PROFILE;
  const credentials = settings.credentials ?? (profile ? fromIni({ profile }) : fromNodeProviderChain());
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
    get cloudformation() { return lazy("cloudformation", () => new CloudFormationClient(common)); },
    get acm() { return lazy("acm", () => new ACMClient(common)); },
    get route53() { return lazy("route53", () => new Route53Client(common)); },
    get ecr() { return lazy("ecr", () => new ECRClient(common)); },
    get s3() { return lazy("s3", () => new S3Client({ ...common, forcePathStyle: Boolean(settings.endpointUrl) })); },
    get sts() { return lazy("sts", () => new STSClient(common)); },
    get ec2() { return lazy("ec2", () => new EC2Client(common)); },
    get ecs() { return lazy("ecs", () => new ECSClient(common)); },
    get elbv2() { return lazy("elbv2", () => new ElasticLoadBalancingV2Client(common)); },
  };
}
