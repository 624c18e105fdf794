/**
 * The record a review writes into its change sets' Description and `deploy --changeset` reads back: its name
 * (which says when it began), the environment's fingerprint, and the Description within CloudFormation's limit.
 */
import { describe, expect, it } from "vitest";
import {
  environmentFingerprint,
  fingerprintDifferences,
  parseReviewDescription,
  reviewDescription,
  reviewName,
  reviewStartedAt,
  type ReviewRecord,
} from "../src/orchestrator/review/review-record.js";
import { environmentFrom, writeConfig } from "./support/cli-harness.js";

const RECORD: ReviewRecord = {
  imageTag: "v2",
  imageUri: "111111111111.dkr.ecr.us-east-2.amazonaws.com/alert-engine-dev@sha256:abc",
  environment: { cpu: "0a1b2c3d" },
};

describe("the review's name", () => {
  it("is the UTC second it began, and reads back to that second", () => {
    const at = Date.UTC(2025, 0, 2, 3, 4, 5, 678);
    expect(reviewName(at)).toBe("review-20250102T030405Z");
    expect(reviewStartedAt("review-20250102T030405Z")).toBe(Date.UTC(2025, 0, 2, 3, 4, 5));
    expect(reviewStartedAt(reviewName(Date.UTC(2026, 11, 31, 23, 59, 59)))).toBe(Date.UTC(2026, 11, 31, 23, 59, 59));
  });

  it("says nothing of when a change set began whose name a review did not make", () => {
    for (const name of ["orchestrate-20250102T030405000Z", "my-review-20250102T030405Z", "review-20250102T030405Z-copy", "review-2025", "review-20250102T030405"]) {
      expect(reviewStartedAt(name), name).toBeUndefined();
    }
  });
});

describe("the environment's fingerprint", () => {
  const config = writeConfig("111111111111");

  it("covers every setting except the name, the image tag and where the settings were read from", () => {
    const dev = environmentFrom(config, "dev");
    const fingerprint = environmentFingerprint(dev);
    expect(Object.keys(fingerprint)).toEqual(expect.arrayContaining(["cpu", "memoryMiB", "retainData", "secretsArn", "logRetentionDays", "region"]));
    for (const excluded of ["name", "imageTag", "origin"]) expect(fingerprint, excluded).not.toHaveProperty(excluded);
    expect(Object.keys(fingerprint)).toEqual([...Object.keys(fingerprint)].sort());
    for (const hash of Object.values(fingerprint)) expect(hash).toMatch(/^[0-9a-f]{8}$/);
  });

  it("changes exactly in the settings whose values changed; an absent optional setting has a value too", () => {
    const dev = environmentFrom(config, "dev");
    const bigger = environmentFrom(writeConfig("111111111111", { dev: { cpu: 1024, memoryMiB: 2048, imageTag: "v9" } }), "dev");
    expect(fingerprintDifferences(environmentFingerprint(dev), environmentFingerprint(bigger))).toEqual(["cpu", "memoryMiB"]);
    const withDatabase = environmentFrom(writeConfig("111111111111", { dev: { databaseDestination: "10.50.0.0/16" } }), "dev");
    expect(fingerprintDifferences(environmentFingerprint(dev), environmentFingerprint(withDatabase))).toEqual(["databaseDestination"]);
    // The same settings under another environment's name fingerprint alike: the command names the environment.
    expect(fingerprintDifferences(environmentFingerprint(dev), environmentFingerprint({ ...dev, name: "qa" }))).toEqual([]);
  });

  it("names fields present on one side only, sorted", () => {
    expect(fingerprintDifferences({ b: "1", a: "1" }, { b: "2", c: "1" })).toEqual(["a", "b", "c"]);
    expect(fingerprintDifferences({ a: "1" }, { a: "1" })).toEqual([]);
  });
});

describe("the record in a change set's Description", () => {
  it("reads back what was written", () => {
    const text = reviewDescription("review-20250102T030405Z", RECORD);
    expect(text.startsWith("orchestrate changeset review-20250102T030405Z {")).toBe(true);
    expect(parseReviewDescription(text)).toEqual(RECORD);
  });

  it("fits CloudFormation's 1024-character Description, or says how long it is", () => {
    const fill = (length: number) => {
      const base = reviewDescription("r", { ...RECORD, imageUri: "" }).length;
      return { ...RECORD, imageUri: "x".repeat(length - base) };
    };
    expect(reviewDescription("r", fill(1024))).toHaveLength(1024);
    expect(() => reviewDescription("r", fill(1025))).toThrow("review record is 1025 characters, over CloudFormation's 1024-character change set Description");
  });

  it("is nothing for a Description a review did not write, or one whose record is incomplete", () => {
    const json = JSON.stringify(RECORD);
    const descriptions = [
      undefined,
      "",
      "deployed by a person",
      `orchestrate changeset review-1 ${json.slice(0, -1)}`,
      `orchestrate changeset review-1 ${json} and more`,
      `note: orchestrate changeset review-1 ${json}`,
      `orchestrate changeset ${json}`,
      `orchestrate changeset review-1 ${JSON.stringify({ ...RECORD, imageTag: 2 })}`,
      `orchestrate changeset review-1 ${JSON.stringify({ imageUri: RECORD.imageUri, environment: {} })}`,
      `orchestrate changeset review-1 ${JSON.stringify({ imageTag: "v2", environment: {} })}`,
      `orchestrate changeset review-1 ${JSON.stringify({ ...RECORD, environment: null })}`,
      `orchestrate changeset review-1 ${JSON.stringify({ ...RECORD, environment: "all" })}`,
      `orchestrate changeset review-1 {"imageTag": "v2", oops}`,
    ];
    for (const description of descriptions) expect(parseReviewDescription(description), String(description)).toBeUndefined();
  });
});
