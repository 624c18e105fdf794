/**
 * Two runs on one environment must never step on each other. This module holds the one judgment:
 * which deploy change sets on a stack belong to a run that may still be live, and which are
 * provably over (so a later run may remove them).
 *
 * "Provably over" is decided by age, against a bound every run keeps: a deploy executes a change set
 * within EXECUTE_WITHIN_MS of asking for it, or never (deploy-stack checks this right before
 * ExecuteChangeSet, so an approval answered later is refused, not executed). A change set older than
 * ABANDONED_AFTER_MS therefore belongs to a run that will never execute it: killed, or past its bound.
 */
import { isStackMissing, type ChangeSetSummary, type CloudFormationApi } from "../../aws/cloudformation.js";
import { stackName, type Environment } from "../../env/model.js";
import { UserInputError } from "../../errors.js";
import { STACK_IDS } from "../../templates/index.js";
import type { Clock } from "../clock.js";

/** The description deploy gives its change sets, so later runs can tell them from a review's or a person's. */
export const DEPLOY_CHANGE_SET = "created by orchestrate deploy";

/**
 * A deploy executes its change set within this long of creating it, or never: up to 15 min for
 * CloudFormation to compute it (change-set-wait's bound), the rest for a person to answer the approval.
 */
export const EXECUTE_WITHIN_MS = 60 * 60_000;

/**
 * After this long unexecuted, a deploy's change set is over. The hour beyond EXECUTE_WITHIN_MS
 * absorbs the bounded retries of ExecuteChangeSet and a machine clock that is off from AWS's
 * (CreationTime is AWS's, "now" is ours; SigV4 itself refuses clocks more than 15 min off).
 */
export const ABANDONED_AFTER_MS = EXECUTE_WITHIN_MS + 60 * 60_000;

/** A deploy change set made by another run, as the judgment sees it. */
export interface RivalChangeSet {
  readonly stack: string;
  readonly name: string;
  readonly id: string;
  /** CloudFormation's own statuses: what to show. */
  readonly status: string;
  readonly executing: boolean;
  readonly ageMs: number;
}

export interface Judgment {
  /** Another run's change sets that may still be executed, or are executing now. */
  readonly live: RivalChangeSet[];
  /** Another run's change sets that run will never execute: safe to delete. */
  readonly over: RivalChangeSet[];
  /** With `own`: the live change set that came first, so ours must give way (undefined: ours goes ahead). */
  readonly yieldTo?: RivalChangeSet;
}

const UNEXECUTED = ["AVAILABLE", "UNAVAILABLE"];

/** Made by a deploy (any run's), not by a review, a person or another tool. */
const isDeployChangeSet = (c: ChangeSetSummary) => c.description === DEPLOY_CHANGE_SET;

/** A deploy's change set that nobody has executed yet (computing, ready, or failed to compute). */
export const isUnexecutedDeploy = (c: ChangeSetSummary) => isDeployChangeSet(c) && UNEXECUTED.includes(c.executionStatus);

/**
 * Judges one stack's change sets at `now` (ms, this machine's clock). `own` is the id of the change
 * set this run just made, if any. When two runs race past every check, both list after creating
 * theirs: the later one always sees the earlier (it existed before the later one's list), so exactly
 * the later one yields. The earlier is the one CloudFormation made first (its clock, for both runs),
 * then the smaller name. An executing rival always wins: executing deletes every other change set.
 */
export function judgeChangeSets(stack: string, changeSets: readonly ChangeSetSummary[], now: number, own?: string): Judgment {
  const mine = changeSets.find((c) => c.id === own);
  const live: RivalChangeSet[] = [];
  const over: RivalChangeSet[] = [];
  for (const c of changeSets) {
    if (c.id === own || !isDeployChangeSet(c)) continue;
    const executing = c.executionStatus === "EXECUTE_IN_PROGRESS";
    if (!executing && !UNEXECUTED.includes(c.executionStatus)) continue; // executed, failed or obsolete: history
    // No creation time proves nothing: treat it as made just now.
    const ageMs = c.created ? Math.max(0, now - c.created.getTime()) : 0;
    const rival = { stack, name: c.name, id: c.id, status: executing ? c.executionStatus : c.status, executing, ageMs };
    (executing || ageMs <= ABANDONED_AFTER_MS ? live : over).push(rival);
  }
  if (own === undefined) return { live, over };
  const made = (c: ChangeSetSummary) => c.created?.getTime() ?? now;
  const cameBefore = (ours: ChangeSetSummary) => (r: RivalChangeSet) => {
    const theirs = changeSets.find((c) => c.id === r.id)!;
    // Stryker disable next-line EqualityOperator: "the name must be unique among all change sets that are associated with the specified stack" (API reference, CreateChangeSet), so < and <= agree
    const namedFirst = theirs.name < ours.name;
    return made(theirs) < made(ours) || (made(theirs) === made(ours) && namedFirst);
  };
  // Ours already gone (executing another change set deletes the rest): nothing of ours can run, any live one wins.
  return { live, over, yieldTo: live.find((r) => r.executing) ?? (mine ? live.find(cameBefore(mine)) : live[0]) };
}

/** "change set NAME (STATUS, made 12 s ago)". */
export function describeRival(rival: RivalChangeSet): string {
  return `change set ${rival.name} (${rival.status}, made ${age(rival.ageMs)} ago)`;
}

export function age(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 100) / 10} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min`;
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  return `${Math.floor(ms / 3_600_000)} h${minutes > 0 ? ` ${minutes} min` : ""}`;
}

/** Every environment stack's live rivals, read in parallel; a stack that does not exist has none. */
export async function liveRuns(cfn: CloudFormationApi, env: Environment, now: number): Promise<RivalChangeSet[]> {
  const perStack = await Promise.all(
    STACK_IDS.map(async (id) => {
      const name = stackName(env, id);
      const sets = await cfn.listChangeSets(name).catch((error: unknown) => {
        if (isStackMissing(error)) return [];
        throw error;
      });
      return judgeChangeSets(name, sets, now).live;
    }),
  );
  return perStack.flat();
}

/**
 * Before a command changes anything: refuses (exit 2) while another deploy of the environment is
 * live, saying what was found and how to proceed. A run killed mid-way shows up here too, until its
 * change sets are over or cleared.
 */
export async function refuseWhileAnotherDeployIsLive(
  session: { cfn: CloudFormationApi; env: Environment; clock: Clock },
  verb: string,
  /** How to print a command a person can paste (the CLI knows its script and this run's --config, --region…). */
  command: (words: string) => string,
): Promise<void> {
  const { env } = session;
  const live = await liveRuns(session.cfn, env, session.clock.now());
  if (live.length === 0) return;
  const unexecuted = [...new Set(live.filter((r) => !r.executing).map((r) => r.name))];
  const clearing =
    unexecuted.length === 0
      ? ""
      : ` If that run was killed, its change sets count as abandoned ${age(ABANDONED_AFTER_MS)} after they were made and the next deploy removes them; to clear them now: ${unexecuted.map((n) => command(`changeset ${env.name} --discard ${n}`)).join("; ")}.`;
  throw new UserInputError(
    [
      `another deploy of ${env.name} is running; nothing was changed (refusing to ${verb} ${env.name} alongside it):`,
      ...live.map((r) => `  ${r.stack}: ${describeRival(r)}${r.executing ? ", CloudFormation is executing it" : ""}`),
      `Wait for it to finish (${command(`status ${env.name}`)}), then run again.${clearing}`,
    ].join("\n"),
  );
}

/**
 * Right after this run made its change set on `stack`: removes other runs' change sets that are over,
 * and says whether ours must give way to a live one (the message to fail the stack with, after our
 * own change set is removed). Never deletes a change set of a run that may still be live.
 */
export async function settleRivals(
  ctx: { cfn: CloudFormationApi; clock: Clock },
  stack: string,
  own: string,
  say: (text: string) => void,
): Promise<string | undefined> {
  const judgment = judgeChangeSets(stack, await ctx.cfn.listChangeSets(stack), ctx.clock.now(), own);
  for (const leftover of judgment.over) {
    await ctx.cfn.deleteChangeSet(stack, leftover.id);
    say(`removed ${describeRival(leftover)}: left unexecuted by a deploy that is over (a deploy executes its change set within ${age(EXECUTE_WITHIN_MS)} or never)`);
  }
  const first = judgment.yieldTo;
  if (!first) return undefined;
  return `another deploy is live on ${stack}: its ${describeRival(first)} came first; ours was removed, nothing of ours ran. Wait for that run to finish, then deploy again`;
}

/** A change set of ours that CloudFormation no longer has: executing another change set of a stack deletes all the others. */
export function disappeared(stack: string, changeSetName: string): string {
  return `change set ${changeSetName} disappeared from ${stack} before we executed it: another run (or a person) executed a change set there, and CloudFormation then deletes every other one; nothing of ours ran; run the deploy again to compare against the stack as it is now`;
}

/**
 * The other half of the bound: this run executes a change set it made only within EXECUTE_WITHIN_MS of
 * asking for it. Past that, other runs may judge it abandoned and remove it, so running it now could run
 * what another run has already replaced. An approval answered that late is refused (the message says so).
 */
export function tooLateToExecute(changeSetName: string, waitedMs: number): string | undefined {
  if (waitedMs <= EXECUTE_WITHIN_MS) return undefined;
  return `change set ${changeSetName} was ready to execute only after ${age(waitedMs)} (the approval waited that long); a deploy executes its change set within ${age(EXECUTE_WITHIN_MS)} or never, since other runs may then remove it as abandoned: it was removed, nothing was executed; run the deploy again`;
}
