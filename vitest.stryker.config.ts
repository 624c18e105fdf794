/**
 * The test config under Stryker (stryker.config.mjs): npm test's, with each test file in its own module graph
 * again. Stryker switches mutants at run time, and a mutant in a module-level value takes effect only when the
 * module is imported afresh; a graph shared across files and runs would keep whichever was imported first.
 *
 * MUTATE_TESTS (comma-separated globs) narrows the tests Stryker runs to a module's own tests. On two cores a
 * module on every AWS call's path (retry, attempt) is covered by all 900 tests, so each of its mutants would run
 * the whole suite; its own tests make the run minutes instead of hours. The score is then a lower bound: a
 * mutant the narrowed set misses may still be killed by the rest of the suite.
 */
import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.js";

const narrowed = process.env.MUTATE_TESTS?.split(",").map((glob) => glob.trim()).filter(Boolean);

const config = mergeConfig(base, defineConfig({ test: { isolate: true } }));
// mergeConfig appends arrays, so the narrowed list replaces the include afterwards.
if (narrowed?.length) config.test = { ...config.test, include: narrowed };
export default config;
