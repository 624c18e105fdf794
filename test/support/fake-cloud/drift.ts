/**
 * Drift: resources changed outside CloudFormation, as the real API reports them (CloudFormation API reference,
 * DetectStackDrift, DescribeStackDriftDetectionStatus, DescribeStackResourceDrifts; User Guide, "Using
 * drift-aware change sets"):
 * - DetectStackDrift starts a detection and returns its id; DescribeStackDriftDetectionStatus says
 *   DETECTION_IN_PROGRESS until it finishes, then DETECTION_COMPLETE with StackDriftStatus DRIFTED or IN_SYNC
 *   and DriftedStackResourceCount. A stack in an *_IN_PROGRESS state refuses detection.
 * - DescribeStackResourceDrifts lists per-resource results, filtered by StackResourceDriftStatusFilters.
 * - CreateChangeSet with DeploymentMode REVERT_DRIFT makes a drift-aware change set: a drifted resource gets a
 *   Modify even where the template did not change, each change carries ResourceDriftStatus, and executing it
 *   puts the resources back to the template (their drift is gone).
 * Tests make drift with `cloud.driftResource(stack, logicalId)`.
 */
import type {
  Change,
  DescribeStackDriftDetectionStatusCommandInput,
  DescribeStackDriftDetectionStatusCommandOutput,
  DescribeStackResourceDriftsCommandInput,
  DescribeStackResourceDriftsCommandOutput,
  DetectStackDriftCommandInput,
  DetectStackDriftCommandOutput,
  StackResourceDriftStatus,
} from "@aws-sdk/client-cloudformation";
import { validationError, type FakeCloudFormation } from "./cloudformation.js";
import type { PlannedChange } from "./change-sets.js";
import type { StackRecord } from "./stack-state.js";
import { page, type Handlers, type Out, type World } from "./world.js";

const DETECTION_MS = 4_000;

/** stack id → logical id → MODIFIED | DELETED */
export type DriftBook = Map<string, Map<string, "MODIFIED" | "DELETED">>;

interface Detection {
  stackId: string;
  startedAt: number;
  /** What the detection found, fixed when it started. */
  found: Map<string, "MODIFIED" | "DELETED">;
  resources: string[];
}

export function driftHandlers(cfn: FakeCloudFormation, world: World, book: DriftBook): Handlers {
  const detections = new Map<string, Detection>();
  const lastDetection = new Map<string, Detection>();
  const mustFind = (name: string | undefined): StackRecord => {
    const stack = name ? cfn.find(name) : undefined;
    if (!stack) throw validationError(`Stack with id ${name ?? ""} does not exist`);
    return stack;
  };
  const complete = (d: Detection) => world.clock.now() >= d.startedAt + DETECTION_MS;
  return {
    DetectStackDrift(input: DetectStackDriftCommandInput): Out<DetectStackDriftCommandOutput> {
      const stack = mustFind(input.StackName);
      if (stack.status.endsWith("_IN_PROGRESS")) throw validationError(`Drift detection cannot be performed on stack [${stack.name}] in ${stack.status} state`);
      const id = world.ids.uuid("drift");
      const detection: Detection = { stackId: stack.id, startedAt: world.clock.now(), found: new Map(book.get(stack.id) ?? []), resources: [...stack.resources.keys()] };
      detections.set(id, detection);
      lastDetection.set(stack.id, detection);
      return { StackDriftDetectionId: id };
    },

    DescribeStackDriftDetectionStatus(input: DescribeStackDriftDetectionStatusCommandInput): Out<DescribeStackDriftDetectionStatusCommandOutput> {
      const d = detections.get(input.StackDriftDetectionId ?? "");
      if (!d) throw validationError(`StackDriftDetectionId ${input.StackDriftDetectionId} does not exist`);
      const done = complete(d);
      return {
        StackId: d.stackId,
        StackDriftDetectionId: input.StackDriftDetectionId,
        DetectionStatus: done ? "DETECTION_COMPLETE" : "DETECTION_IN_PROGRESS",
        ...(done ? { StackDriftStatus: d.found.size > 0 ? "DRIFTED" : "IN_SYNC", DriftedStackResourceCount: d.found.size } : {}),
        Timestamp: new Date(d.startedAt),
      };
    },

    DescribeStackResourceDrifts(input: DescribeStackResourceDriftsCommandInput): Out<DescribeStackResourceDriftsCommandOutput> {
      const stack = mustFind(input.StackName);
      const d = lastDetection.get(stack.id);
      const results = d && complete(d) ? d.resources.map((id) => ({ id, status: (d.found.get(id) ?? "IN_SYNC") as StackResourceDriftStatus })) : [];
      const filters = input.StackResourceDriftStatusFilters;
      const wanted = filters?.length ? results.filter((r) => filters.includes(r.status)) : results;
      const { items, next } = page(wanted, input.NextToken, 100);
      return {
        StackResourceDrifts: items.map((r) => ({
          StackId: stack.id,
          LogicalResourceId: r.id,
          PhysicalResourceId: stack.resources.get(r.id)?.physicalId,
          ResourceType: stack.resources.get(r.id)?.type ?? "",
          StackResourceDriftStatus: r.status,
          Timestamp: new Date(d!.startedAt),
        })),
        ...(next ? { NextToken: next } : {}),
      };
    },
  };
}

/** REVERT_DRIFT: every drifted resource the plan keeps gets a change that puts it back, marked with its drift. */
export function revertDriftPlan(stack: StackRecord, plan: PlannedChange[], book: DriftBook): PlannedChange[] {
  const drifted = book.get(stack.id) ?? new Map();
  const planned = plan.map((p) => (drifted.has(p.logicalId) ? withDrift(p, drifted.get(p.logicalId)!) : p));
  for (const [logicalId, status] of drifted) {
    const resource = stack.resources.get(logicalId);
    if (!resource || plan.some((p) => p.logicalId === logicalId)) continue;
    const sdk: Change = {
      Type: "Resource",
      ResourceChange: {
        Action: "Modify",
        LogicalResourceId: logicalId,
        PhysicalResourceId: resource.physicalId,
        ResourceType: resource.type,
        Replacement: "False",
        Scope: ["Properties"],
        ResourceDriftStatus: status,
        Details: [],
      },
    };
    // The fake does not model a drifted resource's live properties, so it returns no Before/AfterContext for a revert.
    planned.push({ action: "Modify", logicalId, type: resource.type, replace: false, sdk, contexts: {} });
  }
  return planned;
}

function withDrift(p: PlannedChange, status: "MODIFIED" | "DELETED"): PlannedChange {
  return { ...p, sdk: { ...p.sdk, ResourceChange: { ...p.sdk.ResourceChange, ResourceDriftStatus: status } } };
}
