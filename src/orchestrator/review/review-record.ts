/**
 * What a review was made from, written into its change sets' Description, so that `deploy <env>
 * --changeset NAME` can execute exactly the review with no other flag: the image (tag and the digest
 * it was resolved to) and a fingerprint of every resolved environment value.
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "../../canonical-json.js";
import type { Environment } from "../../env/model.js";

/** Marks the change sets a review created, so `--discard` removes ours and nobody else's. */
export const REVIEW_MARKER = "orchestrate changeset";

/** CloudFormation's limit on a change set's Description (CreateChangeSet API reference: "Maximum length of 1024"). */
const DESCRIPTION_LIMIT = 1024;

export interface ReviewRecord {
  readonly imageTag: string;
  /** `…/repo@sha256:…`: what the review's change sets pass as ImageUri. */
  readonly imageUri: string;
  /** Per environment field, a short hash of its resolved value: enough to say which field moved, small enough to fit. */
  readonly environment: Readonly<Record<string, string>>;
}

/** `review-20250101T000000Z`: one name for every stack of one review. */
export const reviewName = (now: number) => `review-${new Date(now).toISOString().replace(/[-:]|\.\d+/g, "")}`;

/** When the review began, read back from its name; undefined for a name reviewName did not make. */
export function reviewStartedAt(name: string): number | undefined {
  const m = /^review-(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(name);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : undefined;
}

/**
 * Every field of the environment except its name (the command names it), imageTag (the record holds the
 * image the review really used, which --image-tag may have chosen) and origin (which file and profile the
 * values were read from: a colleague's clone reads the same values from another path).
 */
const NOT_FINGERPRINTED: ReadonlySet<string> = new Set(["name", "imageTag", "origin"] satisfies (keyof Environment)[]);

export function environmentFingerprint(env: Environment): Record<string, string> {
  const fields = Object.keys(env).filter((k) => !NOT_FINGERPRINTED.has(k)).sort();
  const hash = (value: unknown) => createHash("sha256").update(canonicalJson(value ?? null)).digest("hex").slice(0, 8);
  return Object.fromEntries(fields.map((k) => [k, hash(env[k as keyof Environment])]));
}

/** Fields whose values differ between two fingerprints, in order. */
export function fingerprintDifferences(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]).sort();
}

export function reviewDescription(name: string, record: ReviewRecord): string {
  const text = `${REVIEW_MARKER} ${name} ${JSON.stringify(record)}`;
  // The fields are a fixed set and the values are hashed, so only an absurd image URI gets here.
  if (text.length > DESCRIPTION_LIMIT) throw new Error(`review record is ${text.length} characters, over CloudFormation's ${DESCRIPTION_LIMIT}-character change set Description`);
  return text;
}

/** The record in a review change set's Description; undefined when it is not a review's or holds no record. */
export function parseReviewDescription(description: string | undefined): ReviewRecord | undefined {
  const m = description && new RegExp(`^${REVIEW_MARKER} \\S+ (\\{.*\\})$`).exec(description);
  if (!m) return undefined;
  try {
    const record = JSON.parse(m[1]!) as Partial<ReviewRecord>;
    const ok = typeof record.imageTag === "string" && typeof record.imageUri === "string" && record.environment && typeof record.environment === "object";
    return ok ? (record as ReviewRecord) : undefined;
  } catch {
    // Not JSON after the marker (edited by hand, or cut short): no record.
  }
  return undefined;
}
