/**
 * CloudFormation in the engine's own words. Every call is retried (RetryingApi); pagination is
 * handled here; callers never build SDK requests.
 */
import {
  ContinueUpdateRollbackCommand,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeEventsCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  ListChangeSetsCommand,
  ListStackResourcesCommand,
  UpdateTerminationProtectionCommand,
  type Capability,
  type Change,
  type CloudFormationClient,
  type StackEvent,
} from "@aws-sdk/client-cloudformation";
import { randomUUID } from "node:crypto";
import { hasErrorName, RetryingApi } from "./retry.js";
import { validationFindings, type ValidationFinding } from "./cloudformation-validation.js";

export interface DeployedStack {
  readonly stackId: string;
  readonly name: string;
  readonly status: string;
  readonly statusReason?: string;
  readonly parameters: Record<string, string>;
  readonly tags: Record<string, string>;
  readonly outputs: Record<string, string>;
  readonly terminationProtection: boolean;
  readonly lastUpdated?: Date;
}

export interface ChangeSetState {
  readonly id: string;
  readonly status: string;
  readonly executionStatus: string;
  readonly reason?: string;
  readonly changes: Change[];
  /** When CloudFormation made it, by AWS's clock: events of its execution are never older. */
  readonly created?: Date;
}

/**
 * Which events belong to one stack operation. An event does when it carries the operation's
 * ClientRequestToken (CloudFormation stamps it on every event the operation causes), or when it is
 * not older than `notBefore`. Best is a time by AWS's clock; the local clock may be off by seconds.
 */
export interface OperationStart {
  readonly notBefore: Date;
  readonly token?: string;
}

export interface ChangeSetRequest {
  readonly stackName: string;
  readonly changeSetName: string;
  readonly type: "CREATE" | "UPDATE";
  readonly template: { body: string } | { url: string };
  readonly parameters: Record<string, string>;
  readonly tags: Record<string, string>;
  readonly capabilities: Capability[];
  readonly description?: string;
  /** REVERT_DRIFT: a drift-aware change set that also puts resources changed outside CloudFormation back. */
  readonly deploymentMode?: "REVERT_DRIFT";
  /**
   * Express mode (DeploymentConfig Mode EXPRESS): CloudFormation completes the operation once each resource's
   * configuration is applied, without waiting for it to be ready. Rollback is disabled, as express does by default,
   * and said so explicitly rather than left to that default.
   */
  readonly express?: boolean;
}

const pairs = <T extends object>(list: T[] | undefined, key: keyof T, value: keyof T): Record<string, string> =>
  Object.fromEntries((list ?? []).map((item) => [String(item[key]), String(item[value] ?? "")]));

export interface StackResourceSummary {
  readonly logicalId: string;
  readonly physicalId?: string;
  readonly type: string;
  readonly status: string;
}

/** What a change set was made from, without its (possibly many) pages of changes. */
export interface ChangeSetInputs {
  readonly id: string;
  readonly executionStatus: string;
  readonly parameters: Record<string, string>;
}

/** One change set as ListChangeSets summarizes it. */
export interface ChangeSetSummary {
  readonly name: string;
  readonly id: string;
  readonly status: string;
  readonly executionStatus: string;
  /** When CloudFormation made it, by AWS's clock. */
  readonly created?: Date;
  readonly description?: string;
}

export const isChangeSetMissing = (error: unknown) => hasErrorName(error, "ChangeSetNotFoundException", "ChangeSetNotFound");

export const isStackMissing = (error: unknown) => hasErrorName(error, "ValidationError") && /does not exist/.test((error as Error).message);

/** "didn't contain changes" / "No updates are to be performed": decided from status and reason, not an empty list. */
export const isNoChangeReason = (reason: string | undefined) =>
  reason !== undefined && /didn't contain changes|No updates are to be performed/i.test(reason);

export class CloudFormationApi extends RetryingApi<CloudFormationClient> {
  /** The stack as deployed, or undefined when no stack of that name exists. */
  async describeStack(name: string): Promise<DeployedStack | undefined> {
    try {
      const result = await this.send(new DescribeStacksCommand({ StackName: name }));
      const stack = result.Stacks?.[0];
      if (!stack || stack.StackStatus === "DELETE_COMPLETE") return undefined;
      return {
        stackId: stack.StackId ?? name,
        name: stack.StackName ?? name,
        status: stack.StackStatus ?? "UNKNOWN",
        statusReason: stack.StackStatusReason,
        parameters: pairs(stack.Parameters, "ParameterKey", "ParameterValue"),
        tags: pairs(stack.Tags, "Key", "Value"),
        outputs: pairs(stack.Outputs, "OutputKey", "OutputValue"),
        terminationProtection: Boolean(stack.EnableTerminationProtection),
        lastUpdated: stack.LastUpdatedTime ?? stack.CreationTime,
      };
    } catch (error) {
      if (isStackMissing(error)) return undefined;
      throw error;
    }
  }

  async templateBody(name: string): Promise<string | undefined> {
    const result = await this.send(new GetTemplateCommand({ StackName: name, TemplateStage: "Original" }));
    return result.TemplateBody;
  }

  async createChangeSet(request: ChangeSetRequest): Promise<{ changeSetId: string; stackId: string }> {
    // The same token on every retry tells CloudFormation a retried request is not a second change set.
    const clientToken = randomUUID();
    const result = await this.send(new CreateChangeSetCommand({
      StackName: request.stackName,
      ChangeSetName: request.changeSetName,
      ChangeSetType: request.type,
      ...("body" in request.template ? { TemplateBody: request.template.body } : { TemplateURL: request.template.url }),
      Parameters: Object.entries(request.parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
      Tags: Object.entries(request.tags).map(([Key, Value]) => ({ Key, Value })),
      Capabilities: request.capabilities,
      Description: request.description,
      ClientToken: clientToken,
      ...(request.deploymentMode ? { DeploymentMode: request.deploymentMode } : {}),
      ...(request.express ? { DeploymentConfig: { Mode: "EXPRESS", DisableRollback: true } } : {}),
    }));
    return { changeSetId: result.Id ?? request.changeSetName, stackId: result.StackId ?? request.stackName };
  }

  /** One look at a change set, with every page of its changes. */
  async describeChangeSet(stackName: string, changeSet: string): Promise<ChangeSetState> {
    const changes: Change[] = [];
    let nextToken: string | undefined;
    let first: { Status?: string; ExecutionStatus?: string; StatusReason?: string; ChangeSetId?: string; CreationTime?: Date } = {};
    let firstPage = true;
    do {
      const page = await this.send(new DescribeChangeSetCommand({
        StackName: stackName,
        ChangeSetName: changeSet,
        NextToken: nextToken,
        // Each change then carries the resource's properties before and after (BeforeContext/AfterContext),
        // which the review shows as values and the approval prompt repeats.
        IncludePropertyValues: true,
      }));
      if (firstPage) first = page;
      firstPage = false;
      changes.push(...(page.Changes ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
    return {
      id: first.ChangeSetId ?? changeSet,
      status: first.Status ?? "UNKNOWN",
      executionStatus: first.ExecutionStatus ?? "UNKNOWN",
      reason: first.StatusReason,
      changes,
      created: first.CreationTime,
    };
  }

  /** What CloudFormation's pre-deployment validation found in a computed change set (cloudformation-validation.ts). */
  async validationFindings(stackName: string, changeSet: string): Promise<ValidationFinding[]> {
    const found: ValidationFinding[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.send(new DescribeEventsCommand({ StackName: stackName, ChangeSetName: changeSet, Filters: { FailedEvents: true }, NextToken: nextToken }));
      found.push(...validationFindings(page.OperationEvents ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
    return found;
  }

  async listChangeSets(stackName: string): Promise<ChangeSetSummary[]> {
    const found: ChangeSetSummary[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.send(new ListChangeSetsCommand({ StackName: stackName, NextToken: nextToken }));
      for (const summary of page.Summaries ?? []) {
        found.push({
          name: summary.ChangeSetName ?? "",
          id: summary.ChangeSetId ?? "",
          status: summary.Status ?? "",
          executionStatus: summary.ExecutionStatus ?? "",
          created: summary.CreationTime,
          description: summary.Description,
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return found;
  }

  /** A change set's execution status and parameters, or undefined when there is no such change set (or stack). */
  async changeSetInputs(stackName: string, changeSet: string): Promise<ChangeSetInputs | undefined> {
    try {
      const result = await this.send(new DescribeChangeSetCommand({ StackName: stackName, ChangeSetName: changeSet }));
      return {
        id: result.ChangeSetId ?? changeSet,
        executionStatus: result.ExecutionStatus ?? "UNKNOWN",
        parameters: pairs(result.Parameters, "ParameterKey", "ParameterValue"),
      };
    } catch (error) {
      if (isChangeSetMissing(error) || isStackMissing(error)) return undefined;
      throw error;
    }
  }

  /** The template a change set was created with, as it was submitted. */
  async changeSetTemplateBody(stackName: string, changeSet: string): Promise<string | undefined> {
    const result = await this.send(new GetTemplateCommand({ StackName: stackName, ChangeSetName: changeSet, TemplateStage: "Original" }));
    return result.TemplateBody;
  }

  /** Returns the ClientRequestToken, which CloudFormation puts on every event of the update. */
  async executeChangeSet(stackName: string, changeSet: string): Promise<string> {
    const token = randomUUID();
    await this.send(new ExecuteChangeSetCommand({ StackName: stackName, ChangeSetName: changeSet, ClientRequestToken: token }));
    return token;
  }

  /** Idempotent: a change set already gone counts as deleted. */
  async deleteChangeSet(stackName: string, changeSet: string): Promise<void> {
    try {
      await this.send(new DeleteChangeSetCommand({ StackName: stackName, ChangeSetName: changeSet }));
    } catch (error) {
      // A retry after a lost response finds it gone: the first attempt did the work.
      if (!isChangeSetMissing(error)) throw error;
    }
  }

  /** Returns the ClientRequestToken, which CloudFormation puts on every event of the deletion. */
  async deleteStack(name: string): Promise<string> {
    const token = randomUUID();
    await this.send(new DeleteStackCommand({ StackName: name, ClientRequestToken: token }));
    return token;
  }

  async setTerminationProtection(name: string, enabled: boolean): Promise<void> {
    await this.send(new UpdateTerminationProtectionCommand({ StackName: name, EnableTerminationProtection: enabled }));
  }

  /**
   * Returns the ClientRequestToken, which CloudFormation puts on every event of the rollback; the same
   * token on a retry tells CloudFormation it is not a second request (which its new state would refuse).
   */
  async continueUpdateRollback(name: string): Promise<string> {
    const token = randomUUID();
    await this.send(new ContinueUpdateRollbackCommand({ StackName: name, ClientRequestToken: token }));
    return token;
  }

  /** Every resource of the stack with its physical id, as CloudFormation last recorded it. */
  async listStackResources(name: string): Promise<StackResourceSummary[]> {
    const found: StackResourceSummary[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.send(new ListStackResourcesCommand({ StackName: name, NextToken: nextToken }));
      for (const summary of page.StackResourceSummaries ?? []) {
        found.push({
          logicalId: summary.LogicalResourceId ?? "",
          physicalId: summary.PhysicalResourceId,
          type: summary.ResourceType ?? "",
          status: summary.ResourceStatus ?? "",
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return found;
  }

  /**
   * Events of the operation that began at `start` (see OperationStart) and not yet `seen`, oldest
   * first. DescribeStackEvents lists newest first, so reading stops at the first event seen before
   * or belonging to an earlier operation: a long history costs one call.
   */
  async eventsSince(stackId: string, seen: ReadonlySet<string>, start: OperationStart): Promise<StackEvent[]> {
    const fresh: StackEvent[] = [];
    const belongs = (event: StackEvent) =>
      (start.token !== undefined && event.ClientRequestToken === start.token) || (event.Timestamp !== undefined && event.Timestamp >= start.notBefore);
    let nextToken: string | undefined;
    pages: do {
      const page = await this.send(new DescribeStackEventsCommand({ StackName: stackId, NextToken: nextToken }));
      for (const event of page.StackEvents ?? []) {
        if ((event.EventId && seen.has(event.EventId)) || !belongs(event)) break pages;
        fresh.push(event);
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return fresh.reverse();
  }
}
