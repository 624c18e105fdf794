import { describe, expect, it } from "vitest";
import { canonicalJson, sameJson } from "../src/canonical-json.js";

describe("JSON compared by meaning", () => {
  it("ignores key order and whitespace, at every level", () => {
    expect(sameJson('{ "b": [1, {"y": 2, "x": 1}], "a": "z" }', { a: "z", b: [1, { x: 1, y: 2 }] })).toBe(true);
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
  });

  it("sees a changed value, array order, or an added key", () => {
    expect(sameJson('{"a": [1, 2]}', { a: [2, 1] })).toBe(false);
    expect(sameJson('{"a": 1}', { a: 1, b: 2 })).toBe(false);
    expect(sameJson('{"a": "1"}', { a: 1 })).toBe(false);
  });

  it("never calls text that is not JSON (a YAML template, say) the same", () => {
    expect(sameJson("Resources:\n  A: {}\n", { Resources: { A: {} } })).toBe(false);
    expect(sameJson(undefined, {})).toBe(false);
  });
});
