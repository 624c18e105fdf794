/** The stack commands: describe, events, template, resources, delete, protection, rollback, validation. */
import { describedConfig } from "./express.js";
import {
  ChangeSetNotFoundException,
  type Capability,
  type ContinueUpdateRollbackCommandInput,
  type ContinueUpdateRollbackCommandOutput,
  type DeleteStackCommandInput,
  type DeleteStackCommandOutput,
  type DescribeStackEventsCommandInput,
  type DescribeStackEventsCommandOutput,
  type DescribeStackResourceCommandInput,
  type DescribeStackResourceCommandOutput,
  type DescribeStackResourcesCommandInput,
  type DescribeStackResourcesCommandOutput,
  type DescribeStacksCommandInput,
  type DescribeStacksCommandOutput,
  type GetTemplateCommandInput,
  type GetTemplateCommandOutput,
  type ListExportsCommandOutput,
  type ListStackResourcesCommandInput,
  type ListStackResourcesCommandOutput,
  type ListStacksCommandInput,
  type ListStacksCommandOutput,
  type Stack,
  type StackEvent,
  type UpdateTerminationProtectionCommandInput,
  type UpdateTerminationProtectionCommandOutput,
  type ValidateTemplateCommandInput,
  type ValidateTemplateCommandOutput,
} from "@aws-sdk/client-cloudformation";
import { validationError, type FakeCloudFormation } from "./cloudformation.js";
import { awsError } from "./errors.js";
import { requiredCapability } from "./resource-types.js";
import type { ResourceRecord, StackRecord } from "./stack-state.js";
import { parsed, templateBodyOf, type ObjectReader } from "./template-source.js";
import { page, type Handlers, type Out } from "./world.js";

export function stackHandlers(cfn: FakeCloudFormation, readObject: ObjectReader): Handlers {
  const mustFind = (name: string | undefined, message = (n: string) => `Stack with id ${n} does not exist`) => {
    const stack = name ? cfn.find(name) : undefined;
    if (!stack) throw validationError(message(name ?? ""));
    return stack;
  };
  const mustFindChangeSet = (name: string, stackName: string | undefined) => {
    const cs = cfn.findChangeSet(name, stackName);
    if (!cs) throw awsError(ChangeSetNotFoundException, "ChangeSetNotFoundException", `ChangeSet [${name}] does not exist`);
    return cs;
  };

  return {
    DescribeStacks(input: DescribeStacksCommandInput): Out<DescribeStacksCommandOutput> {
      if (input.StackName) return { Stacks: [describeStack(mustFind(input.StackName))] };
      const { items, next } = page([...cfn.stacks.values()], input.NextToken, 100);
      return { Stacks: items.map(describeStack), ...(next ? { NextToken: next } : {}) };
    },

    ListStacks(input: ListStacksCommandInput): Out<ListStacksCommandOutput> {
      const all = [...cfn.deleted, ...cfn.stacks.values()].filter((s) => !input.StackStatusFilter || input.StackStatusFilter.includes(s.status));
      const { items, next } = page(all, input.NextToken, 100);
      return {
        StackSummaries: items.map((s) => ({
          StackId: s.id,
          StackName: s.name,
          TemplateDescription: s.template.Description,
          CreationTime: new Date(s.createdAt),
          LastUpdatedTime: s.updatedAt === undefined ? undefined : new Date(s.updatedAt),
          DeletionTime: s.deletedAt === undefined ? undefined : new Date(s.deletedAt),
          StackStatus: s.status,
          StackStatusReason: s.reason,
          DriftInformation: { StackDriftStatus: "NOT_CHECKED" as const },
        })),
        ...(next ? { NextToken: next } : {}),
      };
    },

    DescribeStackEvents(input: DescribeStackEventsCommandInput): Out<DescribeStackEventsCommandOutput> {
      const stack = mustFind(input.StackName, (n) => `Stack [${n}] does not exist`);
      // The token is a position in the oldest-first list, so events arriving between pages do not shift it.
      const end = input.NextToken ? Number(Buffer.from(input.NextToken, "base64").toString("utf8").replace("before:", "")) : stack.events.length;
      const start = Math.max(0, end - 100);
      const events: StackEvent[] = stack.events
        .slice(start, end)
        .reverse()
        .map((e) => ({
          StackId: stack.id,
          StackName: stack.name,
          EventId: e.eventId,
          LogicalResourceId: e.logicalId,
          PhysicalResourceId: e.physicalId,
          ResourceType: e.type,
          Timestamp: new Date(e.at),
          ResourceStatus: e.status as StackEvent["ResourceStatus"],
          ...(e.reason !== undefined ? { ResourceStatusReason: e.reason } : {}),
          ...(e.token !== undefined ? { ClientRequestToken: e.token } : {}),
        }));
      return { StackEvents: events, ...(start > 0 ? { NextToken: Buffer.from(`before:${start}`).toString("base64") } : {}) };
    },

    GetTemplate(input: GetTemplateCommandInput): Out<GetTemplateCommandOutput> {
      if (input.ChangeSetName) {
        const cs = mustFindChangeSet(input.ChangeSetName, input.StackName);
        return { TemplateBody: cs.desired.templateBody, StagesAvailable: ["Original", "Processed"] };
      }
      const stack = mustFind(input.StackName);
      return { TemplateBody: stack.templateBody, StagesAvailable: ["Original", "Processed"] };
    },

    DescribeStackResources(input: DescribeStackResourcesCommandInput): Out<DescribeStackResourcesCommandOutput> {
      const stack = input.StackName
        ? mustFind(input.StackName)
        : [...cfn.stacks.values()].find((s) => [...s.resources.values()].some((r) => r.physicalId === input.PhysicalResourceId));
      if (!stack) throw validationError(`Stack for ${input.PhysicalResourceId} does not exist`);
      const resources = [...stack.resources.values()].filter((r) => !input.LogicalResourceId || r.logicalId === input.LogicalResourceId);
      return { StackResources: resources.map((r) => stackResource(stack, r)) };
    },

    DescribeStackResource(input: DescribeStackResourceCommandInput): Out<DescribeStackResourceCommandOutput> {
      const stack = mustFind(input.StackName);
      const resource = stack.resources.get(input.LogicalResourceId ?? "");
      if (!resource) throw validationError(`Resource ${input.LogicalResourceId} does not exist for stack ${stack.name}`);
      const { Timestamp, ...detail } = stackResource(stack, resource);
      return { StackResourceDetail: { ...detail, LastUpdatedTimestamp: Timestamp } };
    },

    ListStackResources(input: ListStackResourcesCommandInput): Out<ListStackResourcesCommandOutput> {
      const stack = mustFind(input.StackName);
      const { items, next } = page([...stack.resources.values(), ...(stack.deletedResources ?? [])], input.NextToken, 100);
      return {
        StackResourceSummaries: items.map((r) => ({
          LogicalResourceId: r.logicalId,
          PhysicalResourceId: r.physicalId,
          ResourceType: r.type,
          LastUpdatedTimestamp: new Date(r.updatedAt),
          ResourceStatus: r.status,
          ...(r.reason !== undefined ? { ResourceStatusReason: r.reason } : {}),
          DriftInformation: { StackResourceDriftStatus: "NOT_CHECKED" as const },
        })),
        ...(next ? { NextToken: next } : {}),
      };
    },

    DeleteStack(input: DeleteStackCommandInput): Out<DeleteStackCommandOutput> {
      const stack = input.StackName ? cfn.find(input.StackName) : undefined;
      // Deleting a stack that does not exist succeeds, as it does in AWS.
      if (!stack || stack.status === "DELETE_COMPLETE" || stack.status === "DELETE_IN_PROGRESS") return {};
      if (stack.terminationProtection) throw validationError(`Stack [${stack.name}] cannot be deleted while TerminationProtection is enabled`);
      if (stack.status.endsWith("_IN_PROGRESS") && stack.status !== "REVIEW_IN_PROGRESS") {
        throw validationError(`Stack [${stack.name}] cannot be deleted while in status ${stack.status}`);
      }
      if (input.RetainResources?.length && stack.status !== "DELETE_FAILED") {
        throw validationError(`Invalid operation on stack [${stack.id}]. RetainResources can only be specified when the stack is in the DELETE_FAILED state`);
      }
      stack.changeSets.clear();
      cfn.operations.delete(stack, new Set(input.RetainResources ?? []), { token: input.ClientRequestToken });
      cfn.settle();
      return {};
    },

    UpdateTerminationProtection(input: UpdateTerminationProtectionCommandInput): Out<UpdateTerminationProtectionCommandOutput> {
      const stack = mustFind(input.StackName, (n) => `Stack [${n}] does not exist`);
      stack.terminationProtection = input.EnableTerminationProtection ?? false;
      return { StackId: stack.id };
    },

    ContinueUpdateRollback(input: ContinueUpdateRollbackCommandInput): Out<ContinueUpdateRollbackCommandOutput> {
      const stack = mustFind(input.StackName);
      if (stack.status !== "UPDATE_ROLLBACK_FAILED") throw validationError(`ContinueUpdateRollback cannot be called from current stack status ${stack.status}.`);
      cfn.operations.continueUpdateRollback(stack, new Set(input.ResourcesToSkip ?? []), input.ClientRequestToken);
      cfn.settle();
      return {};
    },

    ValidateTemplate(input: ValidateTemplateCommandInput): Out<ValidateTemplateCommandOutput> {
      const template = parsed(templateBodyOf(input, readObject));
      const needed = requiredCapability(template);
      return {
        Parameters: Object.entries(template.Parameters).map(([key, p]) => ({
          ParameterKey: key,
          ...(p.Default !== undefined ? { DefaultValue: String(p.Default) } : {}),
          NoEcho: p.NoEcho === true || p.NoEcho === "true",
          ...(p.Description !== undefined ? { Description: p.Description } : {}),
        })),
        Description: template.Description,
        ...(needed ? { Capabilities: [needed.capability], CapabilitiesReason: `The following resource(s) require capabilities: [${needed.types.join(", ")}]` } : {}),
        DeclaredTransforms: [],
      };
    },

    ListExports(): Out<ListExportsCommandOutput> {
      const exports = [...cfn.stacks.values()].flatMap((s) =>
        s.outputs.filter((o) => o.exportName).map((o) => ({ ExportingStackId: s.id, Name: o.exportName, Value: o.value })),
      );
      return { Exports: exports };
    },
  };
}

export function describeStack(stack: StackRecord): Stack {
  return {
    StackId: stack.id,
    StackName: stack.name,
    ...(stack.lastChangeSetId ? { ChangeSetId: stack.lastChangeSetId } : {}),
    ...(stack.template.Description !== undefined ? { Description: stack.template.Description } : {}),
    Parameters: toParameters(stack.parameters),
    CreationTime: new Date(stack.createdAt),
    ...(stack.updatedAt !== undefined ? { LastUpdatedTime: new Date(stack.updatedAt) } : {}),
    ...(stack.deletedAt !== undefined ? { DeletionTime: new Date(stack.deletedAt) } : {}),
    RollbackConfiguration: {},
    StackStatus: stack.status,
    ...(stack.reason !== undefined ? { StackStatusReason: stack.reason } : {}),
    // "The deployment configuration for the stack, including the deployment mode used for stack operations"
    // (API reference, Stack): that of its latest operation.
    DisableRollback: stack.deploymentConfig?.disableRollback ?? false,
    ...(stack.deploymentConfig ? { DeploymentConfig: describedConfig(stack.deploymentConfig) } : {}),
    NotificationARNs: [],
    Capabilities: stack.capabilities as Capability[],
    // Like the real API, a stack without outputs has no Outputs member at all.
    ...(stack.outputs.length > 0
      ? {
          Outputs: stack.outputs.map((o) => ({
            OutputKey: o.key,
            OutputValue: o.value,
            ...(o.description !== undefined ? { Description: o.description } : {}),
            ...(o.exportName !== undefined ? { ExportName: o.exportName } : {}),
          })),
        }
      : {}),
    Tags: toTags(stack.tags),
    EnableTerminationProtection: stack.terminationProtection,
    DriftInformation: { StackDriftStatus: "NOT_CHECKED" },
  };
}

function stackResource(stack: StackRecord, r: ResourceRecord) {
  return {
    StackName: stack.name,
    StackId: stack.id,
    LogicalResourceId: r.logicalId,
    PhysicalResourceId: r.physicalId,
    ResourceType: r.type,
    Timestamp: new Date(r.updatedAt),
    ResourceStatus: r.status,
    ...(r.reason !== undefined ? { ResourceStatusReason: r.reason } : {}),
    DriftInformation: { StackResourceDriftStatus: "NOT_CHECKED" as const },
  };
}

export function toParameters(parameters: Record<string, string>) {
  return Object.entries(parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));
}

export function toTags(tags: Record<string, string>) {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

