/** ECR repositories and images: enough for "does the image exist" preflight checks and repo setup. */
import {
  ImageNotFoundException,
  RepositoryAlreadyExistsException,
  RepositoryNotEmptyException,
  RepositoryNotFoundException,
  type CreateRepositoryCommandInput,
  type CreateRepositoryCommandOutput,
  type DeleteRepositoryCommandOutput,
  type DescribeImagesCommandInput,
  type DescribeImagesCommandOutput,
  type DescribeRepositoriesCommandInput,
  type DescribeRepositoriesCommandOutput,
  type GetAuthorizationTokenCommandOutput,
  type ListImagesCommandOutput,
  type PutImageScanningConfigurationCommandOutput,
  type PutLifecyclePolicyCommandOutput,
} from "@aws-sdk/client-ecr";
import { awsError } from "./errors.js";
import { hashOf } from "./ids.js";
import type { CallContext, Handlers, Out, World } from "./world.js";

export interface Image {
  digest: string;
  tags: string[];
  pushedAt: number;
  sizeInBytes: number;
}

export interface Repository {
  name: string;
  region: string;
  createdAt: number;
  images: Image[];
  lifecyclePolicy?: string | undefined;
  scanOnPush: boolean;
  tagMutability: "MUTABLE" | "IMMUTABLE";
}

export class FakeEcr {
  readonly repositories = new Map<string, Repository>();

  constructor(private readonly world: World) {}

  createRepository(name: string, region = this.world.region): Repository {
    const existing = this.repositories.get(name);
    if (existing) return existing;
    const repo: Repository = { name, region, createdAt: this.world.clock.now(), images: [], scanOnPush: false, tagMutability: "MUTABLE" };
    this.repositories.set(name, repo);
    return repo;
  }

  /** Pushes an image (creating the repository if needed); a tag moves to the new image as in ECR. */
  putImage(repository: string, tag: string, options: { digest?: string; sizeInBytes?: number } = {}): Image {
    const repo = this.createRepository(repository);
    for (const image of repo.images) image.tags = image.tags.filter((t) => t !== tag);
    const image: Image = {
      digest: options.digest ?? `sha256:${hashOf("image", repository, tag, String(this.world.clock.now()))}`,
      tags: [tag],
      pushedAt: this.world.clock.now(),
      sizeInBytes: options.sizeInBytes ?? 52_428_800,
    };
    repo.images.push(image);
    return image;
  }

  uri(repo: Repository): string {
    return `${this.world.account}.dkr.ecr.${repo.region}.amazonaws.com/${repo.name}`;
  }

  private notFound(name: string | undefined): Error {
    return awsError(RepositoryNotFoundException, "RepositoryNotFoundException", `The repository with name '${name}' does not exist in the registry with id '${this.world.account}'`);
  }

  mustGet(name: string | undefined): Repository {
    const repo = this.repositories.get(name ?? "");
    if (!repo) throw this.notFound(name);
    return repo;
  }

  describe(repo: Repository) {
    return {
      repositoryArn: `arn:aws:ecr:${repo.region}:${this.world.account}:repository/${repo.name}`,
      registryId: this.world.account,
      repositoryName: repo.name,
      repositoryUri: this.uri(repo),
      createdAt: new Date(repo.createdAt),
      imageTagMutability: repo.tagMutability,
      imageScanningConfiguration: { scanOnPush: repo.scanOnPush },
      encryptionConfiguration: { encryptionType: "AES256" as const },
    };
  }

  handlers(): Handlers {
    const ecr = this;
    const account = this.world.account;
    return {
      DescribeRepositories(input: DescribeRepositoriesCommandInput): Out<DescribeRepositoriesCommandOutput> {
        const names = input.repositoryNames;
        const repos = names ? names.map((n) => ecr.mustGet(n)) : [...ecr.repositories.values()];
        return { repositories: repos.map((r) => ecr.describe(r)) };
      },
      CreateRepository(input: CreateRepositoryCommandInput, context: CallContext): Out<CreateRepositoryCommandOutput> {
        if (ecr.repositories.has(input.repositoryName ?? "")) {
          throw awsError(RepositoryAlreadyExistsException, "RepositoryAlreadyExistsException", `The repository with name '${input.repositoryName}' already exists in the registry with id '${account}'`);
        }
        const repo = ecr.createRepository(input.repositoryName ?? "", context.region);
        repo.scanOnPush = input.imageScanningConfiguration?.scanOnPush ?? false;
        repo.tagMutability = input.imageTagMutability === "IMMUTABLE" ? "IMMUTABLE" : "MUTABLE";
        return { repository: ecr.describe(repo) };
      },
      PutLifecyclePolicy(input: { repositoryName?: string; lifecyclePolicyText?: string }): Out<PutLifecyclePolicyCommandOutput> {
        ecr.mustGet(input.repositoryName).lifecyclePolicy = input.lifecyclePolicyText;
        return { registryId: account, repositoryName: input.repositoryName, lifecyclePolicyText: input.lifecyclePolicyText };
      },
      PutImageScanningConfiguration(input: { repositoryName?: string; imageScanningConfiguration?: { scanOnPush?: boolean } }): Out<PutImageScanningConfigurationCommandOutput> {
        const repo = ecr.mustGet(input.repositoryName);
        repo.scanOnPush = input.imageScanningConfiguration?.scanOnPush ?? false;
        return { registryId: account, repositoryName: repo.name, imageScanningConfiguration: { scanOnPush: repo.scanOnPush } };
      },
      DescribeImages(input: DescribeImagesCommandInput): Out<DescribeImagesCommandOutput> {
        const repo = ecr.mustGet(input.repositoryName);
        const wanted = input.imageIds;
        const images = wanted
          ? wanted.map((id) => {
              const found = repo.images.find((i) => (id.imageTag !== undefined && i.tags.includes(id.imageTag)) || (id.imageDigest !== undefined && i.digest === id.imageDigest));
              if (!found) {
                throw awsError(
                  ImageNotFoundException,
                  "ImageNotFoundException",
                  `The image with imageId {imageDigest:'${id.imageDigest ?? "null"}', imageTag:'${id.imageTag ?? "null"}'} does not exist within the repository with name '${repo.name}' in the registry with id '${account}'`,
                );
              }
              return found;
            })
          : repo.images;
        return {
          imageDetails: images.map((i) => ({
            registryId: account,
            repositoryName: repo.name,
            imageDigest: i.digest,
            imageTags: [...i.tags],
            imageSizeInBytes: i.sizeInBytes,
            imagePushedAt: new Date(i.pushedAt),
            imageManifestMediaType: "application/vnd.docker.distribution.manifest.v2+json",
            artifactMediaType: "application/vnd.docker.container.image.v1+json",
          })),
        };
      },
      ListImages(input: { repositoryName?: string }): Out<ListImagesCommandOutput> {
        const repo = ecr.mustGet(input.repositoryName);
        return { imageIds: repo.images.flatMap((i) => (i.tags.length ? i.tags.map((imageTag) => ({ imageDigest: i.digest, imageTag })) : [{ imageDigest: i.digest }])) };
      },
      GetAuthorizationToken(_input: unknown, context: CallContext): Out<GetAuthorizationTokenCommandOutput> {
        return {
          authorizationData: [
            {
              authorizationToken: Buffer.from("AWS:fakepassword").toString("base64"),
              expiresAt: new Date(ecr.world.clock.now() + 12 * 3600_000),
              proxyEndpoint: `https://${account}.dkr.ecr.${context.region}.amazonaws.com`,
            },
          ],
        };
      },
      DeleteRepository(input: { repositoryName?: string; force?: boolean }): Out<DeleteRepositoryCommandOutput> {
        const repo = ecr.mustGet(input.repositoryName);
        if (repo.images.length > 0 && !input.force) {
          throw awsError(
            RepositoryNotEmptyException,
            "RepositoryNotEmptyException",
            `The repository with name '${repo.name}' in registry with id '${account}' cannot be deleted because it still contains images`,
          );
        }
        ecr.repositories.delete(repo.name);
        return { repository: ecr.describe(repo) };
      },
    };
  }
}
