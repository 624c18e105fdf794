/** All CloudFormation commands the fake answers. */
import type { FakeCloudFormation } from "./cloudformation.js";
import { changeSetHandlers } from "./change-set-api.js";
import { stackHandlers } from "./stack-api.js";
import { driftHandlers } from "./drift.js";
import type { ObjectReader } from "./template-source.js";
import type { Handlers, World } from "./world.js";

export { TEMPLATE_BODY_LIMIT } from "./template-source.js";

export function cloudFormationHandlers(cfn: FakeCloudFormation, world: World, readObject: ObjectReader): Handlers {
  return { ...changeSetHandlers(cfn, world, readObject), ...stackHandlers(cfn, readObject), ...driftHandlers(cfn, world, cfn.drift) };
}
