/**
 * `orchestrate teardown <env>`: refuse early, show the plan, get a person's yes, then delete.
 * Every refusal happens before the first mutating call.
 */
import { EcrApi } from "../aws/ecr.js";
import { LoadBalancerApi } from "../aws/elbv2.js";
import { S3Api } from "../aws/s3.js";
import { repositoryName, type Environment } from "../env/model.js";
import { UserInputError } from "../errors.js";
import { lookUpCertificate, removeCertificate } from "../orchestrator/deploy/certificate.js";
import { requireAccount } from "../orchestrator/deploy/preflight.js";
import { refuseWhileAnotherDeployIsLive } from "../orchestrator/deploy/live-runs.js";
import { teardown } from "../orchestrator/teardown/teardown.js";
import { planTeardown, TeardownReadError, type PlanReaders, type TeardownPlan } from "../orchestrator/teardown/teardown-plan.js";
import { hasAnythingToDelete, planText, readFailureText, summaryJson, summaryText, teardownSink, teardownSucceeded } from "../render/teardown.js";
import { EXIT } from "./command.js";
import { commandLine } from "./invocation.js";
import { openSession, type Session, type SessionOverrides, type SessionOptions } from "./session.js";

export interface TeardownOptions extends SessionOptions {
  yes?: boolean;
  force?: boolean;
  confirm?: string;
  includeRepository?: boolean;
  concurrency?: number;
}

export async function runTeardown(envName: string, options: TeardownOptions, overrides?: SessionOverrides): Promise<number> {
  const session = openSession(envName, options, overrides);
  try {
    const { env, clients, retry } = session;
    refuseByFlags(env, options, session.interactive);
    await requireAccount(session, "tear down");
    await refuseWhileAnotherDeployIsLive(session, "tear down", (words) => commandLine(words, options));
    const certificate = await lookUpCertificate(env, clients, retry);
    const s3 = new S3Api(clients.s3, retry);
    const plan = await planOrExplain(session, { cfn: session.cfn, countVersions: (bucket) => s3.countVersions(bucket) }, certificate.arn && certificate.description);
    if (!plan) return EXIT.failed;
    const ecr = new EcrApi(clients.ecr, retry);
    const repository = options.includeRepository ? await ecr.describeRepository(repositoryName(env)) : undefined;
    session.log(planText(plan, env.name, env.region));
    if (repository) session.log(`  ECR repository ${repository.name} and every image in it (--include-repository)`);
    if (!hasAnythingToDelete(plan) && !repository) {
      session.log(`Nothing of ${env.name} is deployed in ${env.region}: nothing to tear down.`);
      return EXIT.ok;
    }
    await confirm(session, options);

    const report = await teardown({
      env,
      cfn: session.cfn,
      clock: session.clock,
      poll: session.poll,
      emit: teardownSink(session.log),
      signal: session.signal,
      plan,
      concurrency: options.concurrency,
      emptyBucket: (bucket, emptying) => s3.emptyBucket(bucket, emptying),
      liftLoadBalancerProtection: (arn) => new LoadBalancerApi(clients.elbv2, retry).disableDeletionProtection(arn),
      removeCertificate: async () => (plan.certificateDescription ? removeCertificate({ env, clients, retry, signal: session.signal }) : undefined),
      removeRepository: repository
        ? async () => {
            await ecr.deleteRepository(repository.name);
            return `deleted ECR repository ${repository.name} and its images`;
          }
        : undefined,
    });
    if (options.json) console.log(JSON.stringify(summaryJson(report, plan), null, 2));
    else session.log(summaryText(report, plan));
    return report.interrupted ? EXIT.interrupted : teardownSucceeded(report) ? EXIT.ok : EXIT.failed;
  } finally {
    session.close();
  }
}

/** The plan, or undefined once it has said which read failed: without every read, nothing is destroyed (exit 1). */
async function planOrExplain(session: Session, readers: PlanReaders, certificateDescription: string | undefined): Promise<TeardownPlan | undefined> {
  try {
    return await planTeardown(session.env, readers, certificateDescription);
  } catch (error) {
    if (!(error instanceof TeardownReadError)) throw error;
    session.log(readFailureText(error, session.env.name));
    return undefined;
  }
}

/** What the flags alone decide, before any AWS call. */
function refuseByFlags(env: Environment, options: TeardownOptions, interactive: boolean): void {
  if (options.confirm !== undefined && options.confirm !== env.name) {
    throw new UserInputError(`--confirm ${options.confirm} does not match the environment ${env.name}; nothing was changed. Pass --confirm ${env.name} to tear down ${env.name}.`);
  }
  // An environment that extends prod holds data as prod does: the same guard.
  if (env.base === "prod") {
    if (!options.force) {
      throw new UserInputError(
        `refusing to tear down ${env.name} without --force; nothing was changed. Rerun with --force and type the environment name when asked (or pass --confirm ${env.name} in CI). Retained data (bucket, user pool, log group) stays either way.`,
      );
    }
    if (options.confirm === undefined && !interactive) {
      throw new UserInputError(`tearing down ${env.name} needs the environment name typed back, and there is no terminal to ask: pass --force --confirm ${env.name}. Nothing was changed.`);
    }
    return;
  }
  if (!options.yes && options.confirm === undefined && !interactive) {
    throw new UserInputError(`no terminal to confirm the teardown of ${env.name}: rerun with --yes (or --confirm ${env.name}). Nothing was changed.`);
  }
}

/** After the plan is shown: prod wants the name typed back; elsewhere a yes (or --yes) is enough. */
async function confirm(session: Session, options: TeardownOptions): Promise<void> {
  const { env } = session;
  if (options.confirm === env.name) return;
  if (env.base === "prod") {
    const typed = await session.ask(`Type the environment name (${env.name}) to delete it, termination protection included: `);
    if (typed.trim() !== env.name) throw new UserInputError(`"${typed.trim()}" is not "${env.name}": teardown cancelled, nothing was changed.`);
    return;
  }
  if (options.yes) return;
  const answer = await session.ask(`Delete ${env.name}? [y/N] `);
  if (!/^y(es)?$/i.test(answer.trim())) throw new UserInputError("teardown cancelled, nothing was changed.");
}
