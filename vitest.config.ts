import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/support/no-network.ts", "test/support/no-repo-config.ts"],
    testTimeout: 20_000,
    // One module graph per worker instead of one per test file: the AWS SDK and the fake cloud are imported
    // once, not 58 times, which was most of the suite's time on 2 cores (~130 s of CPU → ~35 s). It holds
    // because no test leaves state behind for the next file: fake clouds restore their SDK mocks, spies and
    // fake timers are restored, environment variables put back, and main() reports only its own run's exit
    // code (an earlier file's refused command once turned the next file's success into exit 2).
    isolate: false,
  },
});
