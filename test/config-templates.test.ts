/**
 * The rule between the config and the committed templates: templates/ reflect the team's committed
 * orchestrate.config.yaml, while what differs per person or account (account, secretsArn; the profile is
 * never in the config) stays out of every template. So filling those in, as "Before the first deploy" asks,
 * changes no template, and `npm run synth` after it leaves templates/ as committed.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { loadEnvironments } from "../src/env/load.js";
import { ENVIRONMENT_NAMES } from "../src/env/model.js";
import { synthesizeEnvironment } from "../src/templates/index.js";
import { renderTemplate } from "../src/templates/render.js";
import { cliHarness, writeConfig } from "./support/cli-harness.js";
import { deployHarness, type Harness } from "./support/deploy-harness.js";

const rendered = (cwd: string) =>
  loadEnvironments(ENVIRONMENT_NAMES, { cwd, vars: {} }).flatMap((env) => synthesizeEnvironment(env).map((t) => renderTemplate(t.template)));

function workdir(yaml?: string): string {
  const dir = mkdtempSync(join(tmpdir(), "config-templates-"));
  if (yaml !== undefined) writeFileSync(join(dir, "orchestrate.config.yaml"), yaml);
  return dir;
}

describe("per-account values stay out of the templates", () => {
  it("setting every environment's account and secretsArn changes no template", () => {
    const perAccount = ENVIRONMENT_NAMES.map(
      (name) => `${name}:\n  account: "210987654321"\n  secretsArn: arn:aws:secretsmanager:us-east-2:210987654321:secret:alert-engine/${name}-QwErTy\n`,
    ).join("");
    const withValues = rendered(workdir(perAccount));
    const without = rendered(workdir());
    expect(withValues).toEqual(without);
    expect(withValues.join("\n")).not.toContain("210987654321");
  });
});

describe("the secret ARN travels as a parameter", () => {
  let h: Harness;
  afterEach(() => {
    h.cloud.restore();
    vi.restoreAllMocks();
  });

  it("deploy passes the config's secretsArn to the backend stack, which grants and injects exactly that secret", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "dev", "--stacks", "network,storage,auth,certificate,backend"])).toBe(0);
    const backend = h.cloud.stack("alert-engine-backend-dev")!;
    expect(backend.parameters.SecretsArn).toBe(`arn:aws:secretsmanager:us-east-2:${h.cloud.account}:secret:alert-engine/dev-AbCdEf`);
  });
});
