// Mutation testing of the modules whose regressions lose data or run the wrong thing (issue 14).
// Not in CI: on two shared cores a full run takes long. Run `npm run mutate` before stopping when these change;
// `npm run mutate -- --mutate src/aws/retry.ts` narrows it to one file.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  // related: vitest cannot map our ".js" import specifiers back to the .ts sources, so it would find no tests.
  vitest: { configFile: "vitest.stryker.config.ts", related: false },
  checkers: ["typescript"],
  tsconfigFile: "tsconfig.json",
  // Mutants that do not typecheck are counted as compile errors, not run.
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: "perTest",
  // The machine has two cores shared with others.
  concurrency: 1,
  incremental: true,
  incrementalFile: "reports/stryker-incremental.json",
  mutate: [
    // approval and protection judgments
    "src/orchestrator/review/approval.ts",
    "src/orchestrator/protection.ts",
    "src/orchestrator/protection-guard.ts",
    // teardown planning and emptying
    "src/orchestrator/teardown/teardown-plan.ts",
    "src/orchestrator/teardown/teardown-stack.ts",
    "src/orchestrator/teardown/teardown-retained.ts",
    "src/aws/s3.ts:94-117",
    // the skip and change-set decisions
    "src/orchestrator/deploy/deploy-stack.ts",
    "src/orchestrator/deploy/deployed-differences.ts",
    "src/orchestrator/deploy/deploy-context.ts",
    "src/orchestrator/deploy/change-set-wait.ts",
    // recovery and retry
    "src/orchestrator/deploy/stack-recovery.ts",
    "src/aws/retry.ts",
    "src/aws/attempt.ts",
    // the reviewed-change-set path and concurrent runs
    "src/orchestrator/deploy/reviewed-change-sets.ts",
    "src/orchestrator/review/review-record.ts",
    "src/orchestrator/deploy/live-runs.ts",
    // which differences deploy --hotswap may skip CloudFormation for
    "src/orchestrator/hotswap/eligibility.ts",
  ],
  reporters: ["clear-text", "progress-append-only", "json"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  thresholds: { high: 85, low: 70, break: null },
  timeoutMS: 60_000,
  // The first full pass (with per-test coverage, one module graph per file) takes minutes on two busy cores.
  dryRunTimeoutMinutes: 20,
  tempDirName: ".stryker-tmp",
  cleanTempDir: true,
};
