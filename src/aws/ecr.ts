/** ECR in the engine's own words: the environment's repository, its lifecycle, its images, a login. */
import {
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  GetAuthorizationTokenCommand,
  GetLifecyclePolicyCommand,
  PutImageScanningConfigurationCommand,
  PutLifecyclePolicyCommand,
  type ECRClient,
} from "@aws-sdk/client-ecr";
import { sameJson } from "../canonical-json.js";
import { hasErrorName, RetryingApi } from "./retry.js";

export interface RepositoryState {
  readonly name: string;
  readonly uri: string;
  readonly scanOnPush: boolean;
}

export interface RegistryLogin {
  readonly username: string;
  /** Short-lived (12 h); hand it to docker on stdin, never in argv or logs. */
  readonly password: string;
  /** `123456789012.dkr.ecr.us-east-2.amazonaws.com`, without scheme. */
  readonly registry: string;
}

export const DEFAULT_KEEP_IMAGES = 30;

/** Keeps the newest `keep` images whatever their tags; older ones expire, so the repository never grows without bound. */
export function keepLastImagesPolicy(keep: number): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: `keep the last ${keep} images`,
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keep },
        action: { type: "expire" },
      },
    ],
  });
}

export class EcrApi extends RetryingApi<ECRClient> {
  /** Forced: ECR refuses to delete a repository holding images otherwise, and removing them is the point. */
  async deleteRepository(name: string): Promise<void> {
    await this.send(new DeleteRepositoryCommand({ repositoryName: name, force: true }));
  }

  async describeRepository(name: string): Promise<RepositoryState | undefined> {
    try {
      const result = await this.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }));
      const repo = result.repositories?.[0];
      return repo ? toState(repo, name) : undefined;
    } catch (error) {
      if (hasErrorName(error, "RepositoryNotFoundException")) return undefined;
      throw error;
    }
  }

  /**
   * MUTABLE because `latest` is the configured default tag and is pushed again on every build;
   * IMMUTABLE would refuse that second push. Every deploy pins the image by digest, so a moved tag changes nothing deployed.
   */
  async createRepository(name: string, tags: Record<string, string>): Promise<RepositoryState> {
    try {
      const result = await this.send(new CreateRepositoryCommand({
        repositoryName: name,
        imageTagMutability: "MUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfiguration: { encryptionType: "AES256" },
        tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      }));
      return toState(result.repository ?? {}, name);
    } catch (error) {
      // Another run created it between our describe and create: that is the state we wanted.
      if (!hasErrorName(error, "RepositoryAlreadyExistsException")) throw error;
      const existing = await this.describeRepository(name);
      if (!existing) throw error;
      return existing;
    }
  }

  async enableScanOnPush(name: string): Promise<void> {
    await this.send(new PutImageScanningConfigurationCommand({ repositoryName: name, imageScanningConfiguration: { scanOnPush: true } }));
  }

  /** The repository's lifecycle policy text, or undefined when it has none. */
  async lifecyclePolicy(name: string): Promise<string | undefined> {
    try {
      const result = await this.send(new GetLifecyclePolicyCommand({ repositoryName: name }));
      return result.lifecyclePolicyText;
    } catch (error) {
      if (hasErrorName(error, "LifecyclePolicyNotFoundException")) return undefined;
      throw error;
    }
  }

  /** Sets the policy unless the same one is already there; returns whether it wrote anything. */
  async ensureLifecyclePolicy(name: string, policyText: string): Promise<boolean> {
    const current = await this.lifecyclePolicy(name);
    if (sameJson(current, JSON.parse(policyText))) return false; // compared by meaning, not key order
    await this.send(new PutLifecyclePolicyCommand({ repositoryName: name, lifecyclePolicyText: policyText }));
    return true;
  }

  /** The digest the tag points at now, or undefined when the tag (or the repository) is not there. */
  async imageDigest(repository: string, tag: string): Promise<string | undefined> {
    try {
      const result = await this.send(new DescribeImagesCommand({ repositoryName: repository, imageIds: [{ imageTag: tag }] }));
      return result.imageDetails?.[0]?.imageDigest;
    } catch (error) {
      if (hasErrorName(error, "ImageNotFoundException", "RepositoryNotFoundException")) return undefined;
      throw error;
    }
  }

  async login(): Promise<RegistryLogin> {
    const result = await this.send(new GetAuthorizationTokenCommand({}));
    const data = result.authorizationData?.[0];
    if (!data?.authorizationToken || !data.proxyEndpoint) throw new Error("ECR returned no authorization token");
    const decoded = Buffer.from(data.authorizationToken, "base64").toString("utf8");
    const split = decoded.indexOf(":");
    return { username: decoded.slice(0, split), password: decoded.slice(split + 1), registry: data.proxyEndpoint.replace(/^https?:\/\//, "") };
  }
}

function toState(repo: { repositoryName?: string; repositoryUri?: string; imageScanningConfiguration?: { scanOnPush?: boolean } }, name: string): RepositoryState {
  return {
    name: repo.repositoryName ?? name,
    uri: repo.repositoryUri ?? "",
    scanOnPush: Boolean(repo.imageScanningConfiguration?.scanOnPush),
  };
}
