/** The change-set commands: create (with the API's synchronous validation), describe, list, delete, execute. */
import {
  type Change,
  AlreadyExistsException,
  ChangeSetNotFoundException,
  InsufficientCapabilitiesException,
  InvalidChangeSetStatusException,
  type Capability,
  type CreateChangeSetCommandInput,
  type CreateChangeSetCommandOutput,
  type DeleteChangeSetCommandInput,
  type DeleteChangeSetCommandOutput,
  type DescribeChangeSetCommandInput,
  type DescribeChangeSetCommandOutput,
  type DescribeEventsCommandInput,
  type DescribeEventsCommandOutput,
  type ExecuteChangeSetCommandInput,
  type ExecuteChangeSetCommandOutput,
  type ListChangeSetsCommandInput,
  type ListChangeSetsCommandOutput,
} from "@aws-sdk/client-cloudformation";
import { NO_CHANGES_REASON, type DesiredStack, type PlannedChange } from "./change-sets.js";
import { describeEvents, validateChangeSet } from "./early-validation.js";
import { revertDriftPlan } from "./drift.js";
import { deploymentConfigOf, describedConfig } from "./express.js";
import { validationError, type FakeCloudFormation } from "./cloudformation.js";
import { awsError } from "./errors.js";
import { requiredCapability } from "./resource-types.js";
import { UPDATABLE, type ChangeSetRecord } from "./stack-state.js";
import { toParameters, toTags } from "./stack-api.js";
import { bound, checkName, parsed, templateBodyOf, type ObjectReader } from "./template-source.js";
import { page, type CallContext, type Handlers, type Out, type World } from "./world.js";

/**
 * DescribeChangeSet with IncludePropertyValues: "the returned changes include detailed changes in the property
 * values" (API reference, DescribeChangeSet); each ResourceChange then carries BeforeContext / AfterContext, "an encoded JSON string that
 * contains the context of the resource before / after the change is executed" (API reference, ResourceChange):
 * `{"Properties":{…}}` with the stack's parameter values in place of their Refs. Add has no before, Remove no after.
 */
function withContexts(change: PlannedChange): Change {
  const rc = change.sdk.ResourceChange!;
  return {
    ...change.sdk,
    ResourceChange: {
      ...rc,
      ...(change.contexts.before !== undefined ? { BeforeContext: change.contexts.before } : {}),
      ...(change.contexts.after !== undefined ? { AfterContext: change.contexts.after } : {}),
    },
  };
}

export function changeSetHandlers(cfn: FakeCloudFormation, world: World, readObject: ObjectReader): Handlers {
  const now = () => world.clock.now();
  const mustFind = (name: string | undefined) => {
    const stack = name ? cfn.find(name) : undefined;
    if (!stack) throw validationError(`Stack with id ${name ?? ""} does not exist`);
    return stack;
  };
  const mustFindChangeSet = (name: string | undefined, stackName: string | undefined) => {
    const cs = cfn.findChangeSet(name ?? "", stackName);
    if (!cs) throw awsError(ChangeSetNotFoundException, "ChangeSetNotFoundException", `ChangeSet [${name}] does not exist`);
    return cs;
  };

  return {
    CreateChangeSet(input: CreateChangeSetCommandInput, context: CallContext): Out<CreateChangeSetCommandOutput> {
      checkName(input.ChangeSetName, "changeSetName");
      if (!input.StackName?.startsWith("arn:")) checkName(input.StackName, "stackName");
      const type = input.ChangeSetType ?? "UPDATE";
      if (type === "IMPORT") throw validationError("FakeCloud does not model resource import change sets");
      // CreateChangeSet API reference, Description: "Length Constraints: Minimum length of 1. Maximum length of 1024."
      if (input.Description !== undefined && (input.Description.length < 1 || input.Description.length > 1024)) {
        throw validationError(`1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length between 1 and 1024`);
      }
      const name = input.ChangeSetName!;
      const existing = cfn.find(input.StackName!);
      if (type === "CREATE" && existing && existing.status !== "REVIEW_IN_PROGRESS") {
        throw validationError(`Stack [${existing.name}] already exists and cannot be created again with the changeSet [${name}].`);
      }
      if (type === "UPDATE" && !existing) throw validationError(`Stack [${input.StackName}] does not exist`);
      if (type === "UPDATE" && !UPDATABLE.includes(existing!.status)) {
        throw validationError(`Stack:${existing!.id} is in ${existing!.status} state and can not be updated.`);
      }
      if (existing?.changeSets.has(name)) {
        throw awsError(AlreadyExistsException, "AlreadyExistsException", `ChangeSet [${name}] already exists`);
      }

      const deploymentConfig = deploymentConfigOf(input);
      const templateBody = templateBodyOf(input, readObject, existing);
      const template = parsed(templateBody);
      const capabilities = (input.Capabilities ?? []) as string[];
      const needed = requiredCapability(template);
      if (needed && !capabilities.includes("CAPABILITY_NAMED_IAM") && !(needed.capability === "CAPABILITY_IAM" && capabilities.includes("CAPABILITY_IAM"))) {
        throw awsError(InsufficientCapabilitiesException, "InsufficientCapabilitiesException", `Requires capabilities : [${needed.capability}]`);
      }
      const desired: DesiredStack = {
        templateBody,
        template,
        parameters: bound(template, input, type === "UPDATE" ? existing?.parameters : undefined),
        tags: input.Tags ? Object.fromEntries(input.Tags.map((t) => [t.Key ?? "", t.Value ?? ""])) : { ...existing?.tags },
        capabilities,
      };

      const stack = existing ?? cfn.newStack(input.StackName!, context.region);
      if (!existing) cfn.operations.setStatus(stack, now(), "REVIEW_IN_PROGRESS", "User Initiated");
      const computed = cfn.planFor(stack, desired, type === "CREATE");
      const changes = input.DeploymentMode === "REVERT_DRIFT" ? revertDriftPlan(stack, computed.changes, cfn.drift) : computed.changes;
      const hasChanges = computed.hasChanges || changes.length > 0;
      const validation = validateChangeSet(cfn.validationFindings, { stackName: stack.name, stackId: stack.id, template }, world);
      const cs: ChangeSetRecord = {
        name,
        id: `arn:aws:cloudformation:${stack.region}:${world.account}:changeSet/${name}/${world.ids.uuid("changeset")}`,
        stackId: stack.id,
        stackName: stack.name,
        type,
        description: input.Description,
        createdAt: now(),
        readyAt: now() + world.timing.changeSetMs,
        outcome: validation.failure
          ? { status: "FAILED", reason: validation.failure }
          : hasChanges
            ? { status: "CREATE_COMPLETE" }
            : { status: "FAILED", reason: NO_CHANGES_REASON },
        status: "CREATE_PENDING",
        executionStatus: "UNAVAILABLE",
        desired,
        plan: changes,
        disableRollback: deploymentConfig?.disableRollback ?? input.OnStackFailure === "DO_NOTHING",
        validation,
        deploymentMode: input.DeploymentMode,
        deploymentConfig,
      };
      stack.changeSets.set(name, cs);
      return { Id: cs.id, StackId: stack.id };
    },

    DescribeChangeSet(input: DescribeChangeSetCommandInput): Omit<DescribeChangeSetCommandOutput, "$metadata"> {
      const cs = mustFindChangeSet(input.ChangeSetName, input.StackName);
      // Changes exist only once CloudFormation has finished computing them.
      const computed = cs.status === "CREATE_COMPLETE" || cs.status === "FAILED";
      const { items, next } = page(computed ? cs.plan.map((c) => (input.IncludePropertyValues ? withContexts(c) : c.sdk)) : [], input.NextToken, 100);
      return {
        ChangeSetName: cs.name,
        ChangeSetId: cs.id,
        StackId: cs.stackId,
        StackName: cs.stackName,
        Description: cs.description,
        Parameters: toParameters(cs.desired.parameters),
        CreationTime: new Date(cs.createdAt),
        ExecutionStatus: cs.executionStatus,
        Status: cs.status,
        StatusReason: cs.statusReason,
        NotificationARNs: [],
        RollbackConfiguration: {},
        Capabilities: cs.desired.capabilities as Capability[],
        Tags: toTags(cs.desired.tags),
        Changes: structuredClone(items),
        IncludeNestedStacks: false,
        OnStackFailure: cs.disableRollback ? "DO_NOTHING" : "ROLLBACK",
        ...(cs.deploymentConfig ? { DeploymentConfig: describedConfig(cs.deploymentConfig) } : {}),
        ...(next ? { NextToken: next } : {}),
      };
    },

    /** Only the change-set scope (ChangeSetName), the one the engine reads; see early-validation.ts. */
    DescribeEvents(input: DescribeEventsCommandInput): Out<DescribeEventsCommandOutput> {
      if (!input.ChangeSetName) throw validationError("FakeCloud models DescribeEvents only for a ChangeSetName");
      const cs = mustFindChangeSet(input.ChangeSetName, input.StackName);
      // Validation runs while the change set is computed: its events exist once that has finished.
      const computed = cs.status === "CREATE_COMPLETE" || cs.status === "FAILED";
      return describeEvents(computed && cs.validation ? cs.validation : { operationId: "", events: [] }, input);
    },

    ListChangeSets(input: ListChangeSetsCommandInput): Out<ListChangeSetsCommandOutput> {
      const stack = mustFind(input.StackName);
      const { items, next } = page([...stack.changeSets.values()], input.NextToken, 100);
      return {
        Summaries: items.map((cs) => ({
          StackId: cs.stackId,
          StackName: cs.stackName,
          ChangeSetId: cs.id,
          ChangeSetName: cs.name,
          ExecutionStatus: cs.executionStatus,
          Status: cs.status,
          StatusReason: cs.statusReason,
          CreationTime: new Date(cs.createdAt),
          Description: cs.description,
          IncludeNestedStacks: false,
        })),
        ...(next ? { NextToken: next } : {}),
      };
    },

    DeleteChangeSet(input: DeleteChangeSetCommandInput): Out<DeleteChangeSetCommandOutput> {
      const cs = mustFindChangeSet(input.ChangeSetName, input.StackName);
      if (cs.executionStatus === "EXECUTE_IN_PROGRESS") {
        throw awsError(InvalidChangeSetStatusException, "InvalidChangeSetStatusException", "An operation on this ChangeSet is currently in progress.  Please attempt this operation again later.");
      }
      cfn.find(cs.stackId)?.changeSets.delete(cs.name);
      return {};
    },

    ExecuteChangeSet(input: ExecuteChangeSetCommandInput): Out<ExecuteChangeSetCommandOutput> {
      const cs = mustFindChangeSet(input.ChangeSetName, input.StackName);
      if (cs.status !== "CREATE_COMPLETE") {
        throw awsError(InvalidChangeSetStatusException, "InvalidChangeSetStatusException", `ChangeSet [${cs.id}] cannot be executed in its current status of [${cs.status}]`);
      }
      if (cs.executionStatus !== "AVAILABLE") {
        throw awsError(InvalidChangeSetStatusException, "InvalidChangeSetStatusException", `ChangeSet [${cs.id}] cannot be executed in its current execution status of [${cs.executionStatus}]`);
      }
      const stack = cfn.find(cs.stackId)!;
      const allowed = cs.type === "CREATE" ? stack.status === "REVIEW_IN_PROGRESS" : UPDATABLE.includes(stack.status);
      if (!allowed) throw validationError(`Stack:${stack.id} is in ${stack.status} state and can not be updated.`);
      // "When you execute a change set, CloudFormation deletes all other change sets associated with the stack
      // because they aren't valid for the updated stack" (CloudFormation API reference, ExecuteChangeSet).
      for (const other of [...stack.changeSets.values()]) if (other !== cs) stack.changeSets.delete(other.name);
      cs.executionStatus = "EXECUTE_IN_PROGRESS";
      stack.lastChangeSetId = cs.id;
      // A drift-aware change set puts drifted resources back to the template.
      if (cs.deploymentMode === "REVERT_DRIFT") cfn.drift.delete(stack.id);
      stack.deploymentConfig = cs.deploymentConfig;
      const options = {
        token: input.ClientRequestToken,
        disableRollback: input.DisableRollback ?? cs.disableRollback,
        express: cs.deploymentConfig?.mode === "EXPRESS",
        onFinish: (ok: boolean) => {
          cs.executionStatus = ok ? "EXECUTE_COMPLETE" : "EXECUTE_FAILED";
        },
      };
      if (cs.type === "CREATE") cfn.operations.create(stack, cs.desired, cs.plan, options);
      else cfn.operations.update(stack, cs.desired, cs.plan, options);
      cfn.settle();
      return {};
    },

  };
}
