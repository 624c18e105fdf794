/**
 * Every template of every environment, checked against the official CloudFormation resource
 * schema and against the contracts between stacks: what a stack consumes is what another produces,
 * every output is exported under the project's naming scheme, the deploy graph has the expected
 * shape, taggable resources are tagged and data is retained where the environment says so.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadEnvironments } from "../src/env/load.js";
import { exportName, stackName, type Environment } from "../src/env/model.js";
import { buildGraph, layers } from "../src/orchestrator/graph.js";
import { STACKS, synthesizeEnvironment } from "../src/templates/index.js";
import { renderTemplate } from "../src/templates/render.js";
import { inputsFor } from "../src/templates/stack.js";
import { resourceType } from "./support/cfn-spec.js";
import { lintTemplate } from "./support/template-lint.js";
import { isObject, objects } from "./support/json-walk.js";

const configDir = mkdtempSync(join(tmpdir(), "templates-spec-"));
writeFileSync(join(configDir, "orchestrate.config.yaml"), 'prod:\n  account: "123456789012"\n');
afterAll(() => rmSync(configDir, { recursive: true, force: true }));

const load = () => loadEnvironments(["dev", "stage", "prod"], { cwd: configDir, vars: {} });
const ENVIRONMENTS: Environment[] = load();
const byName = (name: string) => ENVIRONMENTS.find((e) => e.name === name)!;

/** What `context` (preflight) supplies and what the orchestrator's certificate step outputs. */
const CONTEXT_OUTPUTS = ["HostedZoneId", "ImageUri", "SecretsArn"];
const CERTIFICATE_OUTPUT = "CertificateArn";


/** Tag key → value from the list form `[{ Key, Value }]` or the map form `{ Key: Value }`. */
function tagsOf(value: unknown): Record<string, unknown> | undefined {
  if (Array.isArray(value)) {
    return Object.fromEntries(value.filter(isObject).map((tag) => [String(tag.Key), tag.Value]));
  }
  return isObject(value) ? value : undefined;
}

describe.each(ENVIRONMENTS.map((env) => [env.name, env] as const))("%s", (_name, env) => {
  const stacks = synthesizeEnvironment(env);

  it("synthesizes the five stacks", () => {
    expect(stacks.map((s) => s.definition.id).sort()).toEqual(["auth", "backend", "domain", "network", "storage"]);
  });

  it.each(stacks.map((s) => [s.definition.id, s] as const))("%s passes the spec linter", (id, { definition, template }) => {
    // What the orchestrator passes this environment's stack (inputsFor), not every input the stack may take.
    const problems = lintTemplate(template, { stack: stackName(env, id), parameters: Object.keys(inputsFor(definition, env)) });
    expect(problems).toEqual([]);
  });

  it("each input is an output of the producer it names", () => {
    const outputsOf = new Map(stacks.map((s) => [s.definition.id as string, Object.keys(s.template.Outputs ?? {})]));
    const problems: string[] = [];
    for (const { definition, template } of stacks) {
      for (const [parameter, input] of Object.entries(inputsFor(definition, env))) {
        const where = `${definition.id} parameter ${parameter} (${input.output} from ${input.from})`;
        if (template.Parameters?.[parameter]?.Type !== input.type) problems.push(`${where}: template parameter type is not ${input.type}`);
        if (input.from === "certificate") {
          if (input.output !== CERTIFICATE_OUTPUT) problems.push(`${where}: the certificate only produces ${CERTIFICATE_OUTPUT}`);
        } else if (input.from === "context") {
          if (!CONTEXT_OUTPUTS.includes(input.output)) problems.push(`${where}: context only supplies ${CONTEXT_OUTPUTS.join(", ")}`);
        } else if (input.from === definition.id) {
          problems.push(`${where}: a stack cannot consume its own output`);
        } else {
          const produced = outputsOf.get(input.from);
          if (!produced) problems.push(`${where}: no stack ${input.from}`);
          else if (!produced.includes(input.output)) problems.push(`${where}: ${input.from} has outputs ${produced.join(", ")}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("every output is exported as <project>-<env>-<Name>", () => {
    for (const { definition, template } of stacks) {
      for (const [name, output] of Object.entries(template.Outputs ?? {})) {
        expect(output.Export, `${definition.id} output ${name}`).toEqual({ Name: exportName(env, name) });
        expect(output.Export?.Name).toBe(`${env.project}-${env.name}-${name}`);
      }
    }
  });

  it("no two stacks export the same name (CloudFormation refuses the second)", () => {
    const owners = new Map<string, string[]>();
    for (const { definition, template } of stacks) {
      for (const name of Object.keys(template.Outputs ?? {})) owners.set(name, [...(owners.get(name) ?? []), definition.id]);
    }
    expect([...owners].filter(([, ids]) => ids.length > 1)).toEqual([]);
  });

  it("no template imports values (inputs travel as parameters)", () => {
    for (const { definition, template } of stacks) {
      const imports = [...objects(template)].filter(([, o]) => "Fn::ImportValue" in o).map(([path]) => path);
      expect(imports, definition.id).toEqual([]);
    }
  });

  it("templates are deterministic", () => {
    const again = synthesizeEnvironment(load().find((e) => e.name === env.name)!);
    expect(again.map((s) => renderTemplate(s.template))).toEqual(stacks.map((s) => renderTemplate(s.template)));
    expect(again.map((s) => JSON.stringify(s.template))).toEqual(stacks.map((s) => JSON.stringify(s.template)));
  });

  it("every taggable resource carries the Project and Environment tags", () => {
    const problems: string[] = [];
    for (const { definition, template } of stacks) {
      for (const [id, resource] of Object.entries(template.Resources)) {
        const spec = resourceType(resource.Type);
        const property = spec?.tagging?.property ?? (spec?.properties.Tags ? "Tags" : undefined);
        if (!property) continue;
        const tags = tagsOf(resource.Properties?.[property]);
        if (tags?.Project !== env.project || tags?.Environment !== env.name) {
          problems.push(`${definition.id} ${id} (${resource.Type}): ${property} must include Project=${env.project} and Environment=${env.name}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it(`stateful resources are ${env.retainData ? "retained" : "deleted"} with the stack`, () => {
    const policy = env.retainData ? "Retain" : "Delete";
    const problems: string[] = [];
    for (const { definition, template } of stacks) {
      for (const id of definition.statefulResources) {
        const resource = template.Resources[id];
        if (!resource) problems.push(`${definition.id} ${id}: declared stateful but not in the template`);
        else if (resource.DeletionPolicy !== policy || resource.UpdateReplacePolicy !== policy) {
          problems.push(
            `${definition.id} ${id}: DeletionPolicy ${resource.DeletionPolicy ?? "(none)"}, UpdateReplacePolicy ${resource.UpdateReplacePolicy ?? "(none)"}; expected ${policy}`,
          );
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

describe("data retention by environment", () => {
  it("prod retains data and dev does not", () => {
    expect(byName("prod").retainData).toBe(true);
    expect(byName("dev").retainData).toBe(false);
  });

  it("the bucket, user pool and log group are declared stateful", () => {
    const stateful = new Map(STACKS.map((s) => [s.id, s.statefulResources]));
    const typesOf = (env: Environment) =>
      synthesizeEnvironment(env).flatMap(({ definition, template }) =>
        definition.statefulResources.map((id) => template.Resources[id]?.Type),
      );
    expect(typesOf(byName("prod"))).toEqual(expect.arrayContaining(["AWS::S3::Bucket", "AWS::Cognito::UserPool", "AWS::Logs::LogGroup"]));
    expect(stateful.get("storage")).toContain("Bucket");
  });
});

describe("stack graph", () => {
  const graph = buildGraph(STACKS);
  const order = layers(graph);
  const layerOf = (id: string) => order.findIndex((layer) => (layer as string[]).includes(id));

  it("has no cycle and every stack plus the certificate", () => {
    expect(() => layers(graph)).not.toThrow();
    expect(order.flat().sort()).toEqual(["auth", "backend", "certificate", "domain", "network", "storage"]);
  });

  it("starts with network, storage, auth and the certificate together", () => {
    expect([...order[0]!].sort()).toEqual(["auth", "certificate", "network", "storage"]);
  });

  it("runs backend after its producers and domain last", () => {
    for (const producer of ["network", "storage", "auth", "certificate"]) expect(layerOf("backend")).toBeGreaterThan(layerOf(producer));
    expect(layerOf("domain")).toBeGreaterThan(layerOf("backend"));
    expect(order.at(-1)).toEqual(["domain"]);
  });
});
