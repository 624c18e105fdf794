/** `orchestrate deploy <env>`: preflight, then the stack graph with live progress, then the outputs. */
import { S3Api } from "../aws/s3.js";
import { UserInputError } from "../errors.js";
import { concerns, type ApprovalLevel, type ChangeConcern } from "../orchestrator/review/approval.js";
import { certificateRunner, lookUpCertificate } from "../orchestrator/deploy/certificate.js";
import { deploy, type DeployReport } from "../orchestrator/deploy/deploy.js";
import type { ChangeSetReview } from "../orchestrator/deploy/deploy-context.js";
import { buildGraph, subgraph, type NodeId } from "../orchestrator/graph.js";
import { buildAndPush } from "../orchestrator/deploy/image-build.js";
import { afterStackSteps, diagnoseStack, serviceWatch, writeOutputsFile } from "../orchestrator/deploy/post-deploy.js";
import { preflight, requireAccount } from "../orchestrator/deploy/preflight.js";
import { serviceLook } from "../orchestrator/deploy/service-look.js";
import { isReviewedChangeSetCurrent, readReview, verifyReviewedDeploy, withReviewedImage } from "../orchestrator/deploy/reviewed-change-sets.js";
import { refuseWhileAnotherDeployIsLive } from "../orchestrator/deploy/live-runs.js";
import { isSuccessful, summaryJson, summaryText, type RunFacts } from "../render/summary.js";
import type { StackId } from "../env/model.js";
import { changeRows } from "../orchestrator/review/review-changes.js";
import { changeTable } from "../render/review.js";
import { contentText } from "../render/review-content.js";
import { STACKS, stackDefinition } from "../templates/index.js";
import type { DeployOptions } from "./deploy-options.js";
import { EXIT } from "./command.js";
import { commandLine } from "./invocation.js";
import { checkProtection, requireWayToApprove } from "./deploy-checks.js";
import { readinessOf } from "../orchestrator/express/readiness.js";
import { logsWords } from "../orchestrator/logs/command-hint.js";
import { expressNotice, refuseExpressCombination, refuseExpressWhereDataIsRetained } from "./express-checks.js";
import { checkOutputPaths, writeAtEnd, type WriteOutcome } from "./output-paths.js";
import { openSession, type Progress, type Session, type SessionOverrides } from "./session.js";
import { NODE_IDS, selectNodes } from "./stack-selection.js";
import { healingHotswapDrift } from "../orchestrator/hotswap/heal.js";
import { checkHotswap, hotswapWiring, isHotswap, refuseHotswapUpFront } from "./hotswap-setup.js";

export async function runDeploy(envName: string, options: DeployOptions, overrides?: SessionOverrides): Promise<number> {
  const session = openSession(envName, options, overrides);
  const started = session.clock.now();
  try {
    checkOutputPaths([{ flag: "--outputs-file", path: options.outputsFile, createsDirectories: true }]);
    const { env, clients, retry } = session;
    const only = options.stacks && selectNodes(env, options.stacks);
    if (options.revertDrift && options.changeset) {
      throw new UserInputError("--revert-drift and --changeset cannot be combined: --changeset executes the ordinary change sets a review made, --revert-drift makes new drift-aware ones. Run deploy with --revert-drift alone (its changes are shown for approval), or without it.");
    }
    refuseHotswapUpFront(session, options);
    refuseExpressCombination(env.name, options, (words) => commandLine(words, options));
    const approval = options.requireApproval ?? (env.base === "prod" ? "broadening" : "never");
    // Building pushes an image: a deploy that cannot be approved is refused before that.
    if (options.build) requireWayToApprove(session, options, approval);
    // --changeset: the review says which image; it must exist and cover the whole deploy before anything changes.
    const reviewed = options.changeset ? await readReviewedDeploy(session, options) : undefined;
    // Building takes minutes: first make sure the credentials and account are right (no image needed yet).
    const beforeBuild = options.build ? await preflight({ env, clients, retry, imageTag: options.imageTag, purpose: "build", command: (words) => commandLine(words, options) }) : undefined;
    const nodes = only ?? NODE_IDS;
    // A hotswap that would be refused is refused before the build pushes anything.
    if (beforeBuild && isHotswap(options)) await checkHotswap(session, options, stacksIn(nodes), beforeBuild.context, true);
    // Pushing the image is a change in AWS (ECR): every refusal that needs no image is made before it.
    const refusedBeforeBuild = options.build ? await refuseUnsafeDeploy(session, options, approval, nodes) : undefined;
    const imageTag = reviewed?.record.imageTag ?? (options.build ? await buildImage(session, options) : options.imageTag);
    const preflighted = await preflight({ env, clients, retry, imageTag, purpose: "deploy", command: (words) => commandLine(words, options) });
    const checked = reviewed ? { ...preflighted, context: withReviewedImage(preflighted.context, reviewed) } : preflighted;
    const verifyReview = reviewed
      ? async () => verifyReviewedDeploy({ env, cfn: session.cfn, review: reviewed, nodes, context: checked.context, certificate: await certificateState(session), command: (words) => commandLine(words, options) })
      : undefined;
    const protection = refusedBeforeBuild ?? (await refuseUnsafeDeploy(session, options, approval, nodes, verifyReview));
    if (isHotswap(options)) await checkHotswap(session, options, stacksIn(nodes), checked.context);
    if (options.express) session.log(expressNotice());
    const graph = subgraph(buildGraph(STACKS), nodes);
    // Prod too gets the live view: a question pauses it (approver), it is not a reason to fall back to lines.
    const progress = session.progress(graph.nodes.map((n) => n.id), { lines: options.progress });
    const s3 = new S3Api(clients.s3, retry);
    const hotswap = hotswapWiring(session, options, progress.sink, imageTag ?? env.imageTag, protection.retainsData);

    const report = await deploy({
      env,
      cfn: protection.cfn,
      clock: session.clock,
      poll: session.poll,
      emit: progress.sink,
      signal: session.signal,
      context: checked.context,
      certificate: certificateRunner({
        env, clients, retry, clock: session.clock, emit: progress.sink,
        hostedZoneId: checked.context.HostedZoneId,
        timeoutMs: options.certTimeout * 60_000,
      }),
      only,
      concurrency: options.concurrency,
      approval,
      approve: approver(session, options, progress),
      continueRollback: options.continueRollback,
      revertDrift: options.revertDrift,
      express: options.express,
      stageTemplate: options.templateBucket
        ? (name, body) => s3.uploadTemplate(options.templateBucket!, `${env.project}/${env.name}/${name}.json`, body)
        : undefined,
      // After the backend: a service a hotswap left on another revision is put back on the stack's (hotswap/heal.ts).
      afterStack: healingHotswapDrift(afterStackSteps({ env, clients, retry }), hotswap.heal),
      diagnose: diagnoseStack({ env, clients, retry, command: (words) => commandLine(words, options) }),
      runInstead: hotswap.runInstead,
      readiness: options.express
        ? readinessOf({ env, clients, retry, clock: session.clock, emit: progress.sink, hostedZoneId: checked.context.HostedZoneId, timeoutMs: options.rolloutTimeout, logsCommand: commandLine(logsWords(env), options) })
        : undefined,
      watchWhileDeploying: serviceWatch({ env, clients, retry, command: (words) => commandLine(words, options) }),
      serviceLook: serviceLook({ env, clients, retry }),
      lowerings: protection.lowerings,
      reviewed: options.changeset ? { name: options.changeset, envName: env.name, check: isReviewedChangeSetCurrent, command: (words) => commandLine(words, options) } : undefined,
    });
    await progress.done;
    const facts: RunFacts = {
      totalMs: session.clock.now() - started,
      image: { tag: imageTag ?? env.imageTag, uri: checked.context.ImageUri },
      command: (words) => commandLine(words, options),
    };
    const outputs = finish(session.log, report, options, facts);
    const retries = session.retrySummary();
    if (retries) session.log(retries);
    if (report.interrupted) return EXIT.interrupted;
    // A file a pipeline asked for and will read next is part of what the command was asked to do.
    return isSuccessful(report) && outputs?.written !== false ? EXIT.ok : EXIT.failed;
  } finally {
    session.close();
  }
}

/** Writes --outputs-file, then prints the summary whatever became of the file, and what did. */
function finish(log: (line: string) => void, report: DeployReport, options: DeployOptions, facts: RunFacts): WriteOutcome | undefined {
  const outputs = options.outputsFile ? writeAtEnd(options.outputsFile, () => writeOutputsFile(options.outputsFile!, report)) : undefined;
  printSummary(log, report, options, facts, outputs);
  if (outputs && !outputs.written) {
    const deployed = isSuccessful(report) ? "the deploy itself succeeded (above); rerun it (nothing left to change) with a writable path to get the file" : "the deploy did not succeed either (above)";
    log(`could not write --outputs-file ${outputs.path}: ${outputs.error}. ${deployed}`);
  }
  return outputs;
}

/** Stack outputs go to --outputs-file and --json; on screen only with --verbose, so the summary stays one screen. */
function printSummary(log: (line: string) => void, report: DeployReport, options: DeployOptions, facts: RunFacts, outputs: WriteOutcome | undefined) {
  if (options.json) {
    console.log(JSON.stringify({ ...summaryJson(report, facts), ...(outputs ? { outputsFile: outputs } : {}) }, null, 2));
    return;
  }
  log(summaryText(report, facts, { verbose: options.verbose }));
  if (outputs?.written) log(`outputs written to ${outputs.path}`);
}

/** Asks on a terminal, the live view paused meanwhile; without one, a needed approval is an error, never a silent yes. */
function approver(session: Session, options: DeployOptions, progress: Progress) {
  // Stacks of one layer reach approval together. Two questions open on one terminal both read the same
  // line, so one 'y' would approve a change set whose summary scrolled by unread: one stack at a time.
  let turn: Promise<unknown> = Promise.resolve();
  return async (review: ChangeSetReview): Promise<boolean> => {
    if (options.yes) return true;
    const flagged = concerns(review.changes, review.lowerings, review.judged?.access);
    if (!session.interactive) {
      throw new UserInputError(
        `${review.stack}: ${review.changeSetName ? `change set ${review.changeSetName}` : "termination protection off"} needs approval (${flagged.map((c) => `${c.logicalId} ${c.why}${c.detail ? ` (${c.detail})` : ""}`).join(", ") || `${review.changes.length} changes`}) and there is no terminal to ask: review it with '${commandLine(`changeset ${session.env.name}`, options)}', then rerun with --yes`,
      );
    }
    const asked = turn.then(async () => {
      session.signal.throwIfAborted(); // Ctrl-C at an earlier question: the ones queued behind it are not asked
      return progress.pause(async () => {
        for (const line of approvalSummary(review, flagged)) session.log(line);
        return session.ask(review.changeSetName ? `Execute this change set on ${review.stack}? [y/N] ` : `Lower the protection of ${review.stack} as listed? [y/N] `);
      });
    });
    turn = asked.catch(() => undefined);
    return /^y(es)?$/i.test((await asked).trim());
  };
}

/** Another live deploy, a review that does not cover the deploy, lowered protection, no way to approve: refused (exit 2). */
async function refuseUnsafeDeploy(session: Session, options: DeployOptions, approval: ApprovalLevel, nodes: readonly NodeId[], verifyReview?: () => Promise<void>) {
  await refuseWhileAnotherDeployIsLive(session, "deploy", (words) => commandLine(words, options));
  await verifyReview?.();
  // Lowered protection first: its refusal lists what the config would lower, worth knowing before --yes.
  const protection = await checkProtection(session, nodes, Boolean(options.allowProtectionLowering));
  refuseExpressWhereDataIsRetained(session.env.name, options, protection.retainsData, (words) => commandLine(words, options));
  requireWayToApprove(session, options, approval, protection.lowerings);
  return protection;
}

/** The account is checked before the review's change sets are read: a wrong profile must not even look. */
async function readReviewedDeploy(session: Session, options: DeployOptions) {
  await requireAccount(session, "deploy");
  return readReview(session.cfn, session.env, options.changeset!, { imageTag: options.imageTag, build: options.build }, (words) => commandLine(words, options));
}

async function certificateState(session: Session) {
  const found = await lookUpCertificate(session.env, session.clients, session.retry);
  return { exists: found.arn !== undefined, outputs: found.outputs, description: found.description };
}

/** What a person reads before answering: the whole change table (not only the flagged rows), then each concern. */
function approvalSummary(review: ChangeSetReview, flagged: readonly ChangeConcern[]): string[] {
  const concernLines = flagged.map((c) => `  ! ${c.logicalId} (${c.resourceType}) ${c.why}${c.detail ? `: ${c.detail}` : ""}`);
  if (!review.changeSetName) return [`\n${review.stack}: no change set; only its termination protection changes`, ...concernLines];
  const rows = changeRows(review.changes, { definition: stackDefinition(review.node as StackId), desired: review.template });
  // The same values, parameters and IAM / security-group tables the review showed; the concerns follow once, below.
  const content = review.judged ? contentText(rows, { ...review.judged.content, concerns: [] }) : [];
  return [`\n${review.stack}: ${review.changes.length} changes in ${review.changeSetName}`, ...changeTable(rows, { color: !process.env.NO_COLOR }), ...content, ...concernLines];
}

async function buildImage(session: Session, options: DeployOptions): Promise<string> {
  const result = await buildAndPush({ env: session.env, clients: session.clients, retry: session.retry, dir: options.build!, tag: options.imageTag, log: session.log, command: (words) => commandLine(words, options) });
  return result.tag;
}

const stacksIn = (nodes: readonly NodeId[]): StackId[] => nodes.filter((n): n is StackId => n !== "certificate");
