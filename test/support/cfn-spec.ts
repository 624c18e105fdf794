/**
 * The official CloudFormation resource schema, as published in `@aws-cdk/aws-service-spec`
 * (the database the CDK itself generates its L1 constructs from), reshaped into what the
 * template linter needs: per resource type, its properties (name, required, type — with nested
 * property types resolved lazily, to any depth) and its GetAtt attribute names.
 *
 * Nothing here lists types or properties by hand: every answer comes from the database, which is
 * loaded once per process and cached.
 */
import { loadAwsServiceSpecSync } from "@aws-cdk/aws-service-spec";
import type { PropertyType, Property, Resource as SpecResource, SpecDatabase, TypeDefinition } from "@aws-cdk/service-spec-types";

/** The type of a property value, as the linter sees it. */
export type ValueType =
  | { readonly kind: "string"; readonly allowedValues?: readonly string[] }
  | { readonly kind: "number" }
  | { readonly kind: "integer" }
  | { readonly kind: "boolean" }
  | { readonly kind: "date-time" }
  | { readonly kind: "null" }
  /** Free-form JSON (policy documents and the like): its inside is not checked. */
  | { readonly kind: "json" }
  /** A `{ Key, Value }` tag. */
  | { readonly kind: "tag" }
  /** A named property type with its own properties (resolved on first access; types may be recursive). */
  | { readonly kind: "object"; readonly name: string; readonly properties: Readonly<Record<string, PropertySpec>> }
  | { readonly kind: "array"; readonly element: ValueType }
  | { readonly kind: "map"; readonly element: ValueType }
  | { readonly kind: "union"; readonly types: readonly ValueType[] };

export interface PropertySpec {
  readonly name: string;
  readonly required: boolean;
  /** The current type. */
  readonly type: ValueType;
  /** The current type first, then earlier types CloudFormation still accepts. */
  readonly types: readonly ValueType[];
}

export interface ResourceTypeSpec {
  readonly cfnType: string;
  readonly properties: Readonly<Record<string, PropertySpec>>;
  /** Names accepted by Fn::GetAtt (nested attributes are dotted, e.g. `Endpoint.Address`). */
  readonly attributes: readonly string[];
  /** The property carrying tags, and its form, when the type is taggable. */
  readonly tagging?: { readonly property: string; readonly variant: "standard" | "asg" | "map" };
}

let database: SpecDatabase | undefined;

/** The spec database, loaded on first use and kept for the rest of the process. */
export function specDatabase(): SpecDatabase {
  database ??= loadAwsServiceSpecSync();
  return database;
}

const resourceCache = new Map<string, ResourceTypeSpec | undefined>();
const definitionCache = new Map<string, ValueType>();

/** The schema of a resource type, or undefined when CloudFormation has no such type. */
export function resourceType(cfnType: string): ResourceTypeSpec | undefined {
  if (resourceCache.has(cfnType)) return resourceCache.get(cfnType);
  const db = specDatabase();
  const found = db.lookup("resource", "cloudFormationType", "equals", cfnType);
  const resource: SpecResource | undefined = found[0];
  const spec = resource ? toResourceSpec(resource) : undefined;
  resourceCache.set(cfnType, spec);
  return spec;
}

/** Every resource type name in the spec (for diagnostics such as "did you mean"). */
export function allResourceTypes(): string[] {
  return specDatabase()
    .all("resource")
    .map((r) => r.cloudFormationType);
}

/**
 * The property reached by a path of property names, descending through arrays, maps and
 * nested property types: `propertyAt("AWS::S3::Bucket", ["BucketEncryption", "ServerSideEncryptionConfiguration",
 * "ServerSideEncryptionByDefault", "SSEAlgorithm"])`.
 */
export function propertyAt(cfnType: string, path: readonly string[]): PropertySpec | undefined {
  const resource = resourceType(cfnType);
  if (!resource || path.length === 0) return undefined;
  let current: PropertySpec | undefined = resource.properties[path[0]!];
  for (const name of path.slice(1)) {
    if (!current) return undefined;
    const objects = current.types.flatMap(objectTypes);
    current = objects.map((o) => o.properties[name]).find((p) => p !== undefined);
  }
  return current;
}

/** The object types a value of this type may be, looking through arrays, maps and unions. */
export function objectTypes(type: ValueType): Extract<ValueType, { kind: "object" }>[] {
  switch (type.kind) {
    case "object":
      return [type];
    case "array":
    case "map":
      return objectTypes(type.element);
    case "union":
      return type.types.flatMap(objectTypes);
    default:
      return [];
  }
}

function toResourceSpec(resource: SpecResource): ResourceTypeSpec {
  const tagging = resource.tagInformation
    ? { property: resource.tagInformation.tagPropertyName, variant: resource.tagInformation.variant }
    : undefined;
  return {
    cfnType: resource.cloudFormationType,
    properties: toProperties(resource.properties),
    attributes: Object.keys(resource.attributes),
    ...(tagging ? { tagging } : {}),
  };
}

function toProperties(properties: Record<string, Property>): Record<string, PropertySpec> {
  const out: Record<string, PropertySpec> = {};
  for (const [name, property] of Object.entries(properties)) {
    const type = toValueType(property.type);
    out[name] = {
      name,
      required: property.required === true,
      type,
      types: [type, ...(property.previousTypes ?? []).map(toValueType)],
    };
  }
  return out;
}

function toValueType(type: PropertyType): ValueType {
  switch (type.type) {
    case "string":
      return type.allowedValues ? { kind: "string", allowedValues: type.allowedValues } : { kind: "string" };
    case "number":
    case "integer":
    case "boolean":
    case "date-time":
    case "null":
    case "json":
    case "tag":
      return { kind: type.type };
    case "array":
      return { kind: "array", element: toValueType(type.element) };
    case "map":
      return { kind: "map", element: toValueType(type.element) };
    case "union":
      return { kind: "union", types: type.types.map(toValueType) };
    case "ref":
      return definitionType(type.reference.$ref);
    default: {
      const unknown: never = type;
      throw new Error(`Unhandled property type in the service spec: ${JSON.stringify(unknown)}`);
    }
  }
}

/** A nested property type by id; its properties are converted on first access so recursive types terminate. */
function definitionType(id: string): ValueType {
  const cached = definitionCache.get(id);
  if (cached) return cached;
  const definition: TypeDefinition = specDatabase().get("typeDefinition", id);
  let properties: Record<string, PropertySpec> | undefined;
  const type: ValueType = {
    kind: "object",
    name: definition.name,
    get properties() {
      properties ??= toProperties(definition.properties);
      return properties;
    },
  };
  definitionCache.set(id, type);
  return type;
}
