/**
 * `bootstrap <env>`: what must exist before the first deploy and lives outside every stack —
 * the ECR repository the service image is pushed to. Safe to run any number of times.
 */
import type { AwsClients } from "../aws/clients.js";
import { DEFAULT_KEEP_IMAGES, EcrApi, keepLastImagesPolicy, type RepositoryState } from "../aws/ecr.js";
import type { RetryPolicy } from "../aws/retry.js";
import { repositoryName, type Environment } from "../env/model.js";
import { stackTags } from "../templates/stack.js";
import { pushCommands } from "./deploy/image-build.js";
import { requireAccount } from "./deploy/preflight.js";

export interface BootstrapRequest {
  readonly env: Environment;
  readonly clients: AwsClients;
  readonly retry: RetryPolicy;
  readonly keepImages?: number;
}

export interface BootstrapResult {
  readonly account: string;
  readonly repository: RepositoryState;
  /** What this run changed, in words; empty when everything was already in place. */
  readonly changes: string[];
  /** The docker commands that put an image where deploy looks for it. */
  readonly pushCommands: string[];
}

export async function bootstrap(request: BootstrapRequest): Promise<BootstrapResult> {
  const { env } = request;
  const identity = await requireAccount(request, "bootstrap");

  const ecr = new EcrApi(request.clients.ecr, request.retry);
  const name = repositoryName(env);
  const keep = request.keepImages ?? DEFAULT_KEEP_IMAGES;
  const changes: string[] = [];

  let repository = await ecr.describeRepository(name);
  if (!repository) {
    repository = await ecr.createRepository(name, stackTags(env));
    changes.push(`created ECR repository ${name} (scan on push, tags mutable so 'latest' can be pushed again)`);
  } else if (!repository.scanOnPush) {
    await ecr.enableScanOnPush(name);
    changes.push(`turned on scan on push for ${name}`);
  }
  if (await ecr.ensureLifecyclePolicy(name, keepLastImagesPolicy(keep))) {
    changes.push(`set lifecycle policy on ${name}: keep the last ${keep} images`);
  }
  return { account: identity.account, repository, changes, pushCommands: pushCommands(repository.uri, env.imageTag, env.region) };
}
