/** S3 in the engine's own words: folder markers, template staging, and emptying a bucket for teardown. */
import {
  DeleteObjectsCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type ObjectIdentifier,
  type S3Client,
} from "@aws-sdk/client-s3";
import { hasErrorName, RetryingApi } from "./retry.js";

/** DeleteObjects takes at most this many keys per call (and ListObjectVersions returns at most this many). */
const DELETE_BATCH = 1000;
/** Pages a version count reads before it says "more than": 10,000 versions. */
const COUNT_PAGES = 10;

export interface VersionCount {
  readonly counted: number;
  /** The count stopped at its page limit: there are more. */
  readonly more: boolean;
  readonly missing: boolean;
}

export interface BucketEmptying {
  readonly deleted: number;
  /** Ctrl-C stopped it before the bucket was empty. */
  readonly stopped: boolean;
}

const isNotFound = (error: unknown) =>
  hasErrorName(error, "NotFound", "NoSuchKey") || (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 404;

export class S3Api extends RetryingApi<S3Client> {
  async exists(bucket: string, key: string): Promise<boolean> {
    try {
      await this.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** Writes the object only when the key is absent, so data already there is never overwritten. Returns whether it wrote. */
  async putObjectIfMissing(bucket: string, key: string, body: string | Uint8Array = ""): Promise<boolean> {
    if (await this.exists(bucket, key)) return false;
    await this.upload(bucket, key, body);
    return true;
  }

  async upload(bucket: string, key: string, body: string | Uint8Array, contentType?: string): Promise<void> {
    // The SDK cannot tell the length of an empty string body (a folder marker) and would print "Are you
    // using a Stream of unknown length…" on every one: the length we know is sent instead, in bytes.
    const contentLength = typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
    await this.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: contentLength, ContentType: contentType }));
  }

  /** Stages a template too large for TemplateBody and returns the URL CloudFormation reads it from. */
  async uploadTemplate(bucket: string, key: string, body: string): Promise<string> {
    await this.upload(bucket, key, body, "application/json");
    const region = await this.client.config.region();
    const path = key.split("/").map(encodeURIComponent).join("/");
    return `https://${bucket}.s3.${region}.amazonaws.com/${path}`;
  }

  /**
   * How many object versions and delete markers a bucket holds, reading at most `maxPages` pages of
   * 1000: a bucket with millions would otherwise keep a person waiting for the plan. `more` says the
   * count stopped there; `missing` that the bucket does not exist.
   */
  async countVersions(bucket: string, maxPages = COUNT_PAGES): Promise<VersionCount> {
    let counted = 0;
    let marker: { KeyMarker?: string; VersionIdMarker?: string } = {};
    try {
      for (let pages = 0; pages < maxPages; pages++) {
        const page = await this.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: DELETE_BATCH, ...marker }));
        counted += (page.Versions?.length ?? 0) + (page.DeleteMarkers?.length ?? 0);
        if (!page.IsTruncated) return { counted, more: false, missing: false };
        marker = { KeyMarker: page.NextKeyMarker, VersionIdMarker: page.NextVersionIdMarker };
      }
      return { counted, more: true, missing: false };
    } catch (error) {
      if (hasErrorName(error, "NoSuchBucket")) return { counted: 0, more: false, missing: true };
      throw error;
    }
  }

  /**
   * Deletes every object version and delete marker, 1000 per call, until the bucket is empty
   * (a versioned bucket cannot be deleted otherwise). Lists from the start each round, so keys
   * written meanwhile are caught too. Once `signal` is aborted (Ctrl-C) no further batch starts:
   * the one in flight finishes, and the result says the bucket was left part-emptied.
   */
  async emptyBucket(bucket: string, options: { onProgress?: (deleted: number) => void; signal?: AbortSignal } = {}): Promise<BucketEmptying> {
    let deleted = 0;
    for (;;) {
      if (options.signal?.aborted) return { deleted, stopped: true };
      // A page holds at most MaxKeys entries, versions and delete markers together ("when the number of responses
      // exceeds the value of MaxKeys", the rest come after NextKeyMarker: ListObjectVersions API reference), each
      // with its Key: one page is one DeleteObjects batch.
      const page = await this.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: DELETE_BATCH }));
      const batch: ObjectIdentifier[] = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key!, VersionId: v.VersionId }));
      if (batch.length === 0) return { deleted, stopped: false };
      if (options.signal?.aborted) return { deleted, stopped: true };
      // Stryker disable next-line BooleanLiteral: Quiet only leaves the Deleted list (up to 1000 keys nothing here reads) out of the answer; Errors come either way.
      const result = await this.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch, Quiet: true } }));
      const errors = result.Errors ?? [];
      // S3 answers 200 and lists each key it refused: the same keys would be listed and refused again, forever.
      if (errors.length > 0) {
        const shown = errors.slice(0, 3).map((e) => `${e.Key}: ${e.Code} ${e.Message ?? ""}`.trim());
        const more = errors.length > shown.length ? `; and ${errors.length - shown.length} more` : "";
        throw new Error(
          `could not delete ${errors.length} of ${batch.length} objects in s3://${bucket} (${shown.join("; ")}${more}): check the bucket policy and Object Lock settings, then rerun`,
        );
      }
      deleted += batch.length;
      options.onProgress?.(deleted);
    }
  }
}
