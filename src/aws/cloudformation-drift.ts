/**
 * Drift detection in the engine's own words: only `status --drift` needs it. It starts an operation of its
 * own in CloudFormation (changing no resource), so it waits while the stack is busy.
 */
import {
  DescribeStackDriftDetectionStatusCommand,
  DescribeStackResourceDriftsCommand,
  DetectStackDriftCommand,
  type CloudFormationClient,
} from "@aws-sdk/client-cloudformation";
import { RetryingApi } from "./retry.js";

export interface DriftDetection {
  /** DETECTION_IN_PROGRESS | DETECTION_COMPLETE | DETECTION_FAILED */
  readonly detectionStatus: string;
  /** IN_SYNC | DRIFTED | UNKNOWN | NOT_CHECKED, once complete. */
  readonly stackDriftStatus?: string;
  readonly driftedResources?: number;
  readonly reason?: string;
}

export class StackDriftApi extends RetryingApi<CloudFormationClient> {
  /** Starts drift detection; returns its id for driftDetection(). */
  async detectDrift(name: string): Promise<string> {
    const result = await this.send(new DetectStackDriftCommand({ StackName: name }));
    if (!result.StackDriftDetectionId) throw new Error(`CloudFormation started no drift detection for ${name}`);
    return result.StackDriftDetectionId;
  }

  async driftDetection(detectionId: string): Promise<DriftDetection> {
    const result = await this.send(new DescribeStackDriftDetectionStatusCommand({ StackDriftDetectionId: detectionId }));
    return {
      detectionStatus: result.DetectionStatus ?? "UNKNOWN",
      stackDriftStatus: result.StackDriftStatus,
      driftedResources: result.DriftedStackResourceCount,
      reason: result.DetectionStatusReason,
    };
  }

  /** Logical ids of resources found modified or deleted by the last drift detection. */
  async driftedResources(name: string): Promise<{ logicalId: string; type: string; status: string }[]> {
    const found: { logicalId: string; type: string; status: string }[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.send(new DescribeStackResourceDriftsCommand({ StackName: name, StackResourceDriftStatusFilters: ["MODIFIED", "DELETED"], NextToken: nextToken }));
      for (const drift of page.StackResourceDrifts ?? []) {
        found.push({ logicalId: drift.LogicalResourceId ?? "", type: drift.ResourceType ?? "", status: drift.StackResourceDriftStatus ?? "" });
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return found;
  }
}
