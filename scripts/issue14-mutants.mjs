// Re-applies the hand-made mutants of issue 14 one at a time, runs the given test files, restores the file.
// `node scripts/issue14-mutants.mjs [id…]`: prints KILLED or SURVIVED per mutant; each must be KILLED.
// MUTANT_TESTS=test/a.test.ts,test/b.test.ts narrows the test files run (default: every safety-path test file).
import { readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";

const ALL = ["test/deploy.test.ts", "test/deploy-trouble.test.ts", "test/faults.test.ts", "test/review.test.ts", "test/reviewed-deploy.test.ts", "test/protection.test.ts", "test/protection-cli.test.ts", "test/approval.test.ts", "test/teardown.test.ts", "test/faults-teardown.test.ts", "test/cli.test.ts", "test/cli-input.test.ts", "test/live-runs.test.ts", "test/faults-concurrent.test.ts", "test/aws-timeouts.test.ts", "test/fake-cloud.test.ts", "test/faults-stalled.test.ts", "test/faults-deploy-interrupt.test.ts", "test/deploy-cli.test.ts", "test/s3-upload.test.ts", "test/deploy-ignored-edits.test.ts", "test/teardown-undeletable.test.ts", "test/retry-default.test.ts"];

export const MUTANTS = [
  { id: "tags-skip", file: "src/orchestrator/deploy/deployed-differences.ts", from: "const tags = changedKeys(deployed.tags, desired.tags);", to: "const tags: string[] = [];" },
  { id: "approval-ecs", file: "src/orchestrator/review/approval.ts", from: 'new Set(["AWS::ECS::TaskDefinition"])', to: 'new Set(["AWS::ECS::TaskDefinition", "AWS::ECS::Service", "AWS::ECS::Cluster"])' },
  { id: "teardown-force", file: "src/cli/teardown-run.ts", from: "if (!options.force) {", to: "if (!options.force && options.confirm === undefined) {" },
  { id: "retain-guard", file: "src/orchestrator/teardown/teardown-plan.ts", from: "template.Resources[r.logicalId] !== undefined && !retainedIds.includes(r.logicalId)", to: "template.Resources[r.logicalId] !== undefined" },
  { id: "delete-errors", file: "src/aws/s3.ts", from: "const errors = result.Errors ?? [];", to: "const errors: NonNullable<typeof result.Errors> = [];" },
  { id: "retry-budget", file: "src/aws/retry.ts", from: "{ retries: 8, minTimeoutMs: 500, maxTimeoutMs: 20_000 }", to: "{ retries: 80, minTimeoutMs: 500, maxTimeoutMs: 20 * 60_000 }" },
  { id: "no-change-text", file: "src/aws/cloudformation.ts", from: "/didn't contain changes|No updates are to be performed/i", to: "/No updates are to be performed/i" },
  { id: "no-change-failure", file: "src/orchestrator/deploy/deploy-stack.ts", from: "if (isNoChangeReason(changeSet.reason) && deployed) {", to: "if (isNoChangeReason(changeSet.reason) && deployed && false) {" },
  { id: "wait-ignores-failed", file: "src/orchestrator/deploy/change-set-wait.ts", from: 'if (state.status === "CREATE_COMPLETE" || state.status === "FAILED") return state;', to: 'if (state.status === "CREATE_COMPLETE") return state;' },
  { id: "protection-unchanged", file: "src/orchestrator/deploy/deploy-stack.ts", from: "      await ensureProtection(ctx, deployed, desired, run.say);\n      return { kind: \"unchanged\"", to: "      return { kind: \"unchanged\"" },
  { id: "cleanup-review-sets", file: "src/orchestrator/deploy/live-runs.ts", from: "if (c.id === own || !isDeployChangeSet(c)) continue;", to: "if (c.id === own) continue;" },
];

const wanted = process.argv.slice(2);
let survived = 0;
const SUITE_TIMEOUT_MS = 10 * 60_000;

// The mutant is written into the source tree: Ctrl-C or a kill must still put the file back.
let restore = () => {};
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => { restore(); process.exit(130); });
for (const m of MUTANTS.filter((m) => wanted.length === 0 || wanted.includes(m.id))) {
  const original = readFileSync(m.file, "utf8");
  if (!original.includes(m.from)) { console.log(`${m.id}: PATTERN NOT FOUND in ${m.file}`); survived++; continue; }
  restore = () => writeFileSync(m.file, original);
  writeFileSync(m.file, original.replace(m.from, m.to));
  try {
    // Bounded: a mutant that turns a loop into one that spins on promises alone hangs vitest (no test timeout fires).
    const r = spawnSync("npx", ["vitest", "run", ...(process.env.MUTANT_TESTS?.split(",") ?? ALL)], { encoding: "utf8", timeout: SUITE_TIMEOUT_MS, killSignal: "SIGKILL" });
    if (r.error?.code === "ETIMEDOUT") { console.log(`${m.id}: HUNG (no answer in ${SUITE_TIMEOUT_MS / 60_000} min: the suite does not fail, it never ends; counted as surviving)`); survived++; continue; }
    // A test run ended by a signal (Ctrl-C reaches the whole process group) says nothing about the mutant.
    if (r.status === null) { console.log(`${m.id}: interrupted`); restore(); process.exit(130); }
    const failed = /(\d+) failed/.exec(r.stdout)?.[0] ?? "";
    console.log(`${m.id}: ${r.status === 0 ? "SURVIVED" : `KILLED (${failed})`}`);
    if (r.status === 0) survived++;
  } finally {
    restore();
    restore = () => {};
  }
}
process.exitCode = survived > 0 ? 1 : 0;
