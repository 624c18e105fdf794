/**
 * Every test runs in an empty working directory. The repository's orchestrate.config.yaml is the team's, with
 * their accounts and secrets filled in ("Before the first deploy"); a test that read it by accident would pass or
 * fail with what the team configured. Tests read only the configs they write (or name the committed one).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMainThread } from "node:worker_threads";

// Stryker's vitest runner runs the tests in worker threads, where Node refuses process.chdir: there the
// sandbox's working directory stays (`npm test` runs in forks, so the guarantee holds where it counts).
if (isMainThread) process.chdir(mkdtempSync(join(tmpdir(), "orchestrate-test-cwd-")));
