/** Walking emitted templates as plain JSON, for the checks that look at every nested object. */
export type Obj = Record<string, unknown>;

export const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Every object nested anywhere in a value, with its path. */
export function* objects(value: unknown, path = ""): Generator<[string, Obj]> {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) yield* objects(item, `${path}[${i}]`);
  } else if (isObject(value)) {
    yield [path, value];
    for (const [key, inner] of Object.entries(value)) yield* objects(inner, path ? `${path}.${key}` : key);
  }
}
