/**
 * Before anything in AWS changes: who we are, where we would deploy, and whether everything the
 * stacks need from outside them exists. Read calls only; every refusal says how to fix it.
 */
import type { AwsClients } from "../../aws/clients.js";
import { EcrApi } from "../../aws/ecr.js";
import type { RetryPolicy } from "../../aws/retry.js";
import { Route53Api } from "../../aws/route53.js";
import { isMissingCredentials, isRejectedCredentials, StsApi, type CallerIdentity } from "../../aws/sts.js";
import { repositoryName, type Environment } from "../../env/model.js";
import { configFileHint, deployProblems, environmentProblems, imageTagProblem } from "../../env/validate.js";
import { inputErrors } from "../../errors.js";
import { pushCommands } from "./image-build.js";
import { npmCommand, type CommandLine } from "./reviewed-change-sets.js";

export interface PreflightRequest {
  readonly env: Environment;
  readonly clients: AwsClients;
  readonly retry: RetryPolicy;
  /** --image-tag; the environment's imageTag when absent. */
  readonly imageTag?: string;
  /** Only "build" may run before the image is pushed (the build pushes it); a review needs it as a deploy does. */
  readonly purpose: "deploy" | "review" | "build";
  /** How a refusal names the command to run next (the CLI's repeats this run's --config, --region…); without this run's flags when absent. */
  readonly command?: CommandLine;
}

export interface PreflightResult {
  readonly account: string;
  readonly callerArn: string;
  /** Parameter values from outside the stacks: what preflight looked up, and the environment's secret ARN. */
  readonly context: { HostedZoneId: string; ImageUri: string; SecretsArn: string };
}

export async function preflight(request: PreflightRequest): Promise<PreflightResult> {
  const { env } = request;
  // The loader has usually refused these already; preflight repeats them so no caller can skip them.
  const problems = [...environmentProblems(env), ...deployProblems(env)];
  const heading = `Cannot ${request.purpose === "build" ? "build and deploy" : request.purpose} ${env.name} (${env.region}):`;
  const tag = request.imageTag ?? env.imageTag;
  // A malformed tag is refused as such: looking it up in ECR would only add a misleading "push it".
  const tagProblem = imageTagProblem(tag);
  if (tagProblem) problems.push(`image tag ${tagProblem}: pass --image-tag with the tag you pushed`);

  // Without an identity, or in the wrong account, every further answer would be about the wrong place.
  const before = problems.length;
  const identity = await checkIdentity(request, problems);
  if (!identity || problems.length > before) throw inputErrors(problems, heading);

  const hostedZoneId = await hostedZone(request, identity, problems);
  const imageUri = tagProblem ? "" : await image(request, identity, tag, problems);
  if (problems.length > 0) throw inputErrors(problems, heading);
  return { account: identity.account, callerArn: identity.arn, context: { HostedZoneId: hostedZoneId, ImageUri: imageUri, SecretsArn: env.secretsArn } };
}

/**
 * Who the credentials belong to, and whether that is the environment's account. Adds a problem
 * and returns undefined when there are no usable credentials; other AWS errors propagate.
 */
async function checkIdentity(
  request: Pick<PreflightRequest, "env" | "clients" | "retry">,
  problems: string[],
): Promise<CallerIdentity | undefined> {
  const identity = await whoAmI(request, problems);
  const { env } = request;
  if (identity && env.account !== undefined && identity.account !== env.account) {
    const profile = env.origin?.profile;
    const whose = profile ? `the credentials (profile "${profile.name}", from ${profile.from})` : "the credentials";
    problems.push(
      `${whose} belong to account ${identity.account} (${identity.arn}), but ${env.name} deploys only into account ${env.account}: ` +
        `pass --profile NAME with a profile for ${env.account}${profile ? "" : " (or set AWS_PROFILE)"}, or correct ${env.name}.account in ${configFileHint(env)}`,
    );
  }
  return identity;
}

/**
 * The account check every AWS-touching command makes first: a wrong profile must never reach a mutating call.
 * Refuses with every problem under `Cannot <verb> <env> (<region>):`.
 */
export async function requireAccount(request: Pick<PreflightRequest, "env" | "clients" | "retry">, verb: string): Promise<CallerIdentity> {
  const problems: string[] = [];
  const identity = await checkIdentity(request, problems);
  if (!identity || problems.length > 0) throw inputErrors(problems, `Cannot ${verb} ${request.env.name} (${request.env.region}):`);
  return identity;
}

async function whoAmI(request: Pick<PreflightRequest, "env" | "clients" | "retry">, problems: string[]): Promise<CallerIdentity | undefined> {
  try {
    return await new StsApi(request.clients.sts, request.retry).callerIdentity();
  } catch (error) {
    const message = (error as Error)?.message ?? String(error);
    const profile = request.env.origin?.profile;
    if (isMissingCredentials(error) && profile) {
      // A named profile is used alone (never the rest of the chain), so the fix is that profile, not "pass --profile".
      problems.push(
        `the profile "${profile.name}" (from ${profile.from}) gave no credentials: check its name ('aws configure list-profiles'), sign in with 'aws sso login --profile ${profile.name}' for IAM Identity Center, or set its keys with 'aws configure --profile ${profile.name}' (the SDK said: ${message})`,
      );
    } else if (isMissingCredentials(error)) {
      problems.push(
        `no AWS credentials found (looked in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ~/.aws/credentials and ~/.aws/config, SSO, container and instance roles): pass --profile NAME or set AWS_PROFILE, run 'aws configure' for access keys, or 'aws sso login --profile NAME' for IAM Identity Center (the SDK said: ${message})`,
      );
    } else if (isRejectedCredentials(error)) {
      const name = profile?.name ?? "NAME";
      const source = profile ? ` of profile "${profile.name}" (from ${profile.from})` : "";
      problems.push(`AWS rejected the credentials${source} (${message}): refresh them ('aws sso login --profile ${name}' for SSO, or new access keys via 'aws configure${profile ? ` --profile ${name}` : ""}'), then rerun`);
    } else {
      throw error;
    }
    return undefined;
  }
}

async function hostedZone(request: PreflightRequest, identity: CallerIdentity, problems: string[]): Promise<string> {
  const { baseDomain } = request.env;
  const zone = await new Route53Api(request.clients.route53, request.retry).findPublicZone(baseDomain);
  if (zone.kind === "missing") {
    problems.push(
      `no public Route 53 hosted zone named ${zone.name} in account ${identity.account}: create it ('aws route53 create-hosted-zone --name ${baseDomain} --caller-reference $(date +%s)') and delegate the domain to its name servers at the registrar, or set baseDomain (BASE_DOMAIN) to a domain whose zone is in this account`,
    );
  } else if (zone.kind === "ambiguous") {
    problems.push(
      `${zone.ids.length} public hosted zones are named ${zone.name} (${zone.ids.join(", ")}) and only one can be delegated: delete the one your registrar does not point to ('aws route53 get-hosted-zone --id ID' shows each one's name servers); the orchestrator will not guess`,
    );
  }
  return zone.kind === "found" ? zone.id : "";
}

/**
 * The image by digest, not by tag: a tag like `latest` moves, and a template that says `:latest` would
 * look unchanged after a push (nothing redeploys) while tasks started later by scaling pull whatever the
 * tag means then. Pinned to `@sha256:…`, a push changes the parameter and the deploy rolls it out.
 */
async function image(request: PreflightRequest, identity: CallerIdentity, tag: string, problems: string[]): Promise<string> {
  const { env } = request;
  const name = repositoryName(env);
  const ecr = new EcrApi(request.clients.ecr, request.retry);
  const repository = await ecr.describeRepository(name);
  const uri = repository?.uri || `${identity.account}.dkr.ecr.${env.region}.amazonaws.com/${name}`;
  const digest = repository ? await ecr.imageDigest(name, tag) : undefined;
  if (digest) return `${uri}@${digest}`;
  // Only the check before a build runs without the image (the build pushes it). A review needs the digest
  // as much as a deploy does: a change set made with the tag would review something no deploy executes.
  if (request.purpose === "build") return `${uri}:${tag}`;

  const push = pushCommands(uri, tag, env.region).map((line) => `      ${line}`).join("\n");
  if (!repository) {
    problems.push(`ECR repository ${name} does not exist in ${env.region}: create it with '${(request.command ?? npmCommand)(`bootstrap ${env.name}`)}', then push the image:\n${push}\n    (or deploy with --build DIR to build and push in one step)`);
  } else {
    problems.push(`image ${uri}:${tag} is not in ECR: push it, or pass --image-tag with a tag that is there ('aws ecr describe-images --repository-name ${name}'):\n${push}\n    (or deploy with --build DIR to build and push in one step)`);
  }
  return `${uri}:${tag}`;
}
