/** Tests start from any stack state: "already in ROLLBACK_COMPLETE", "someone else is updating it". */
import type { StackStatus } from "@aws-sdk/client-cloudformation";
import type { FakeCloudFormation } from "./cloudformation.js";
import { EMPTY_TEMPLATE, type ResourceRecord, type StackRecord } from "./stack-state.js";
import { snapshot } from "./stack-operations.js";
import { parseTemplate } from "./template.js";
import type { World } from "./world.js";

export interface StackSeed {
  name: string;
  /** Default CREATE_COMPLETE. */
  status?: StackStatus;
  statusReason?: string;
  /** A template object (e.g. from the builders) or a template body. */
  template?: object | string;
  parameters?: Record<string, string>;
  tags?: Record<string, string>;
  /** Outputs to report instead of the ones evaluated from the template. */
  outputs?: Record<string, string>;
  terminationProtection?: boolean;
  capabilities?: string[];
  region?: string;
  /** For an *_IN_PROGRESS status: the operation (someone else's) ends after this many virtual ms. */
  completesAfterMs?: number;
  /** How it ends; by default the natural completion of `status`. */
  completesAs?: StackStatus;
}

function completionOf(status: StackStatus): StackStatus {
  const natural: Record<string, StackStatus> = {
    CREATE_IN_PROGRESS: "CREATE_COMPLETE",
    UPDATE_IN_PROGRESS: "UPDATE_COMPLETE",
    UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: "UPDATE_COMPLETE",
    DELETE_IN_PROGRESS: "DELETE_COMPLETE",
    ROLLBACK_IN_PROGRESS: "ROLLBACK_COMPLETE",
    UPDATE_ROLLBACK_IN_PROGRESS: "UPDATE_ROLLBACK_COMPLETE",
    UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS: "UPDATE_ROLLBACK_COMPLETE",
  };
  return natural[status] ?? status;
}

export function seedStack(cfn: FakeCloudFormation, world: World, seed: StackSeed): StackRecord {
  const stack = cfn.stacks.get(seed.name) ?? cfn.newStack(seed.name, seed.region ?? world.region);
  const body = seed.template === undefined ? "" : typeof seed.template === "string" ? seed.template : JSON.stringify(seed.template, null, 2);
  const template = body ? parseTemplate(body) : EMPTY_TEMPLATE;
  const parameters: Record<string, string> = {};
  for (const [key, definition] of Object.entries(template.Parameters)) {
    parameters[key] = seed.parameters?.[key] ?? (definition.Default !== undefined ? String(definition.Default) : `seeded-${key}`);
  }
  const status = seed.status ?? "CREATE_COMPLETE";
  const at = world.clock.now();
  Object.assign(stack, {
    status,
    reason: seed.statusReason,
    templateBody: body,
    template,
    parameters,
    tags: { ...seed.tags },
    capabilities: seed.capabilities ?? ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
    terminationProtection: seed.terminationProtection ?? false,
  });
  stack.resources.clear();
  const hasResources = !["REVIEW_IN_PROGRESS", "ROLLBACK_COMPLETE", "DELETE_COMPLETE"].includes(status);
  if (hasResources) {
    for (const id of cfn.activeResources(stack, snapshot(stack))) {
      const definition = template.Resources[id]!;
      const record: ResourceRecord = { logicalId: id, type: definition.Type, physicalId: "", status: status.startsWith("UPDATE") ? "UPDATE_COMPLETE" : "CREATE_COMPLETE", updatedAt: at, definition, generation: 0 };
      record.physicalId = cfn.physicalIdFor(stack, id, definition, 0);
      stack.resources.set(id, record);
      cfn.resourceCreated(stack, record);
    }
  }
  stack.outputs = seed.outputs
    ? Object.entries(seed.outputs).map(([key, value]) => ({ key, value }))
    : hasResources && body
      ? cfn.resolveOutputs(stack)
      : [];
  cfn.operations.setStatus(stack, at, status, seed.statusReason);
  if (seed.completesAfterMs !== undefined) cfn.operations.completeLater(stack, seed.completesAfterMs, seed.completesAs ?? completionOf(status));
  if (status === "DELETE_COMPLETE") cfn.stackDeleted(stack);
  return stack;
}
