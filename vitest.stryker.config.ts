/**
 * The test config under Stryker (stryker.config.mjs): npm test's, with each test file in its own module graph
 * again. Stryker switches mutants at run time, and a mutant in a module-level value takes effect only when the
 * module is imported afresh; a graph shared across files and runs would keep whichever was imported first.
 */
import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.js";

export default mergeConfig(base, defineConfig({ test: { isolate: true } }));
