import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeTemplates } from "../src/cli/synth.js";
import { loadEnvironments } from "../src/env/load.js";
import { ENVIRONMENT_NAMES } from "../src/env/model.js";

const committed = join(import.meta.dirname, "..", "templates");

describe("committed templates/", () => {
  // Defaults only: no config file, no PROJECT_NAME/BASE_DOMAIN, so the result is what a clean clone produces.
  const envs = loadEnvironments(ENVIRONMENT_NAMES, { cwd: mkdtempSync(join(tmpdir(), "no-config-")), vars: {} });
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
