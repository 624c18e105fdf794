import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/support/no-network.ts", "test/support/no-repo-config.ts"],
    testTimeout: 20_000,
  },
});
