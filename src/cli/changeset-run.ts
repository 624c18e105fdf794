/** `orchestrate changeset <env>`: preflight, then one change set per stack kept for review; or `--discard`. */
import { writeFileSync } from "node:fs";
import { discardReviews, review, reviewName, type ReviewReport } from "../orchestrator/review/review.js";
import { preflight, requireAccount } from "../orchestrator/deploy/preflight.js";
import { refuseWhileAnotherDeployIsLive } from "../orchestrator/deploy/live-runs.js";
import { lookUpCertificate } from "../orchestrator/deploy/certificate.js";
import { reviewJson, reviewMarkdown, reviewText } from "../render/review.js";
import { gateReasons, type FailOnLevel } from "../orchestrator/review/review-gate.js";
import { StackDriftApi } from "../aws/cloudformation-drift.js";
import { selectNodes } from "./stack-selection.js";
import { EXIT } from "./command.js";
import { commandLine, place } from "./invocation.js";
import { checkOutputPaths, writeAtEnd, type WriteOutcome } from "./output-paths.js";
import { openSession, type Session, type SessionOverrides, type SessionOptions } from "./session.js";

export interface ChangesetOptions extends SessionOptions {
  /** true: every reviewed change set; a string: only that review's. */
  discard?: true | string;
  markdown?: string;
  imageTag?: string;
  /** As typed: short ids or stack names, resolved against the environment by selectNodes. */
  stacks?: string[];
  failOn?: FailOnLevel;
  drift?: boolean;
}

export async function runChangeset(envName: string, options: ChangesetOptions, overrides?: SessionOverrides): Promise<number> {
  const session = openSession(envName, options, overrides);
  try {
    if (options.discard !== undefined) return await discard(session, options.discard);
    checkOutputPaths([{ flag: "--markdown", path: options.markdown }]);
    const { env, clients, retry } = session;
    const only = options.stacks && selectNodes(env, options.stacks);
    const imageTag = options.imageTag ?? env.imageTag;
    const checked = await preflight({ env, clients, retry, imageTag, purpose: "review", command: (words) => commandLine(words, options) });
    await refuseWhileAnotherDeployIsLive(session, "review", (words) => commandLine(words, options));
    const certificate = await lookUpCertificate(env, clients, retry);
    const report = await review({
      env,
      cfn: session.cfn,
      clock: session.clock,
      signal: session.signal,
      context: checked.context,
      imageTag,
      certificate,
      changeSetName: reviewName(session.clock.now()),
      progress: (stack, text) => session.log(`${stack.padEnd(11)} ${text}`),
      only: only || undefined,
      drift: options.drift ? new StackDriftApi(clients.cloudformation, retry) : undefined,
    });
    const markdown = show(session, { ...report, repeat: place(options) }, options);
    if (report.interrupted) return EXIT.interrupted;
    if (report.stacks.some((s) => s.kind === "failed") || markdown?.written === false) return EXIT.failed;
    return options.failOn ? gate(session, report, options.failOn) : EXIT.ok;
  } finally {
    session.close();
  }
}

/** Writes --markdown, then prints the review whatever became of the file (the change sets are kept either way). */
function show(session: Session, report: ReviewReport, options: ChangesetOptions): WriteOutcome | undefined {
  const markdown = options.markdown ? writeAtEnd(options.markdown, () => writeFileSync(options.markdown!, reviewMarkdown(report))) : undefined;
  if (options.json) console.log(JSON.stringify({ ...reviewJson(report), ...(markdown ? { markdownFile: markdown } : {}) }, null, 2));
  else session.log(reviewText(report, { color: session.interactive && !process.env.NO_COLOR }));
  if (markdown?.written) session.log(`review written to ${markdown.path}`);
  if (markdown && !markdown.written) {
    session.log(`could not write --markdown ${markdown.path}: ${markdown.error}. The change sets above are kept; rerun with a writable path to get the file, or discard them with '${commandLine(`changeset ${session.env.name} --discard`, options)}'`);
  }
  return markdown;
}

/** `--fail-on`: the review is shown and kept; the exit code tells CI whether it holds what it gates on. */
function gate(session: Session, report: ReviewReport, level: FailOnLevel): number {
  const reasons = gateReasons(report, level);
  if (reasons.length === 0) return EXIT.ok;
  session.log([`--fail-on ${level}: the review holds what this gate stops for (exit ${EXIT.gated}):`, ...reasons.map((r) => `  - ${r}`)].join("\n"));
  return EXIT.gated;
}

async function discard(session: Session, which: true | string): Promise<number> {
  await requireAccount(session, "discard reviewed change sets of");
  const removed = await discardReviews(session.cfn, session.env, which === true ? undefined : which);
  const what = which === true ? "reviewed change sets" : `change sets of ${which}`;
  if (removed.length === 0) session.log(`no ${what} to discard in ${session.env.name}`);
  for (const r of removed) session.log(`deleted ${r.changeSetName} on ${r.stack}`);
  return EXIT.ok;
}
