import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeTemplates } from "../src/cli/synth.js";
import { loadEnvironments } from "../src/env/load.js";
import { ENVIRONMENT_NAMES } from "../src/env/model.js";

const root = join(import.meta.dirname, "..");
const committed = join(root, "templates");

describe("committed templates/", () => {
  // The team's committed orchestrate.config.yaml, as `npm run synth` reads it in a clean clone (no PROJECT_NAME or
  // BASE_DOMAIN in the shell). Its per-account values (account, secretsArn) reach no template, so filling them in
  // leaves this green; a change to anything else shows up here until templates/ are regenerated and committed.
  it("reflect the team's config, which is a committed file", () => {
    expect(existsSync(join(root, "orchestrate.config.yaml"))).toBe(true);
  });
  const envs = loadEnvironments(ENVIRONMENT_NAMES, { cwd: root, vars: {} });
  const out = mkdtempSync(join(tmpdir(), "synth-"));
  const written = envs.flatMap((env) => writeTemplates(env, out).files);

  it("holds exactly the files synth writes", () => {
    const listed = (root: string) => ENVIRONMENT_NAMES.flatMap((env) => readdirSync(join(root, env)).map((f) => `${env}/${f}`)).sort();
    expect(listed(committed)).toEqual(listed(out));
    expect(written).toHaveLength(15);
  });

  it.each(written.map((f) => [f.path.slice(out.length + 1)]))("%s matches a fresh synth (run `npm run synth` and commit)", (relative) => {
    expect(readFileSync(join(committed, relative), "utf8")).toBe(readFileSync(join(out, relative), "utf8"));
  });
});
