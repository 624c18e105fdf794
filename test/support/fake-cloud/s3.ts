/** S3 buckets with object versions and delete markers: enough to upload templates and to empty buckets. */
import { createHash } from "node:crypto";
import {
  BucketAlreadyOwnedByYou,
  NoSuchBucket,
  NoSuchKey,
  NotFound,
  S3ServiceException,
  type CreateBucketCommandOutput,
  type DeleteBucketCommandOutput,
  type DeleteObjectCommandOutput,
  type DeleteObjectsCommandInput,
  type DeleteObjectsCommandOutput,
  type GetBucketVersioningCommandOutput,
  type GetObjectCommandInput,
  type GetObjectCommandOutput,
  type HeadBucketCommandOutput,
  type HeadObjectCommandOutput,
  type ListBucketsCommandOutput,
  type ListObjectsV2CommandInput,
  type ListObjectsV2CommandOutput,
  type ListObjectVersionsCommandInput,
  type ListObjectVersionsCommandOutput,
  type PutBucketVersioningCommandOutput,
  type PutObjectCommandInput,
  type PutObjectCommandOutput,
} from "@aws-sdk/client-s3";
import { awsError } from "./errors.js";
import { bodyBytes, streamOf } from "./s3-bodies.js";
import { encode } from "./ids.js";
import type { Handlers, Out, World } from "./world.js";

export interface ObjectVersion {
  key: string;
  versionId: string;
  deleteMarker: boolean;
  body: Buffer;
  etag: string;
  lastModified: number;
  /** Global write order: newer versions have higher numbers. */
  sequence: number;
}

export interface Bucket {
  name: string;
  region: string;
  versioning: "Enabled" | "Suspended" | undefined;
  versions: ObjectVersion[];
  createdAt: number;
  settings: Record<string, unknown>;
  /** Keys whose versions DeleteObjects refuses (Object Lock retention, a Deny in the bucket policy), with the error it reports. */
  undeletable?: Map<string, { code: string; message?: string | undefined }>;
}

export const DELETE_OBJECTS_LIMIT = 1000;

export class FakeS3 {
  readonly buckets = new Map<string, Bucket>();
  private sequence = 0;

  constructor(private readonly world: World) {}

  createBucket(name: string, options: { versioned?: boolean; region?: string } = {}): Bucket {
    const existing = this.buckets.get(name);
    if (existing) return existing;
    const bucket: Bucket = {
      name,
      region: options.region ?? this.world.region,
      versioning: options.versioned ? "Enabled" : undefined,
      versions: [],
      createdAt: this.world.clock.now(),
      settings: {},
    };
    this.buckets.set(name, bucket);
    return bucket;
  }

  put(bucketName: string, key: string, body: Buffer): ObjectVersion {
    const bucket = this.mustGet(bucketName);
    const versioned = bucket.versioning === "Enabled";
    if (!versioned) bucket.versions = bucket.versions.filter((v) => !(v.key === key && v.versionId === "null"));
    const version: ObjectVersion = {
      key,
      versionId: versioned ? this.newVersionId() : "null",
      deleteMarker: false,
      body,
      etag: `"${createHash("md5").update(body).digest("hex")}"`,
      lastModified: this.world.clock.now(),
      sequence: this.sequence++,
    };
    bucket.versions.push(version);
    return version;
  }

  /** Deletes like DeleteObject: a version when given, else the object (a delete marker when versioned). */
  delete(bucket: Bucket, key: string, versionId?: string): { DeleteMarker?: boolean; DeleteMarkerVersionId?: string; VersionId?: string } {
    if (versionId !== undefined) {
      const removed = bucket.versions.find((v) => v.key === key && v.versionId === versionId);
      bucket.versions = bucket.versions.filter((v) => v !== removed);
      return { VersionId: versionId, ...(removed?.deleteMarker ? { DeleteMarker: true } : {}) };
    }
    if (bucket.versioning === undefined) {
      bucket.versions = bucket.versions.filter((v) => v.key !== key);
      return {};
    }
    if (bucket.versioning === "Suspended") bucket.versions = bucket.versions.filter((v) => !(v.key === key && v.versionId === "null"));
    const marker: ObjectVersion = {
      key,
      versionId: bucket.versioning === "Enabled" ? this.newVersionId() : "null",
      deleteMarker: true,
      body: Buffer.alloc(0),
      etag: "",
      lastModified: this.world.clock.now(),
      sequence: this.sequence++,
    };
    bucket.versions.push(marker);
    return { DeleteMarker: true, DeleteMarkerVersionId: marker.versionId };
  }

  /** The current object (not a delete marker) under a key. */
  latest(bucketName: string, key: string): ObjectVersion | undefined {
    const newest = this.buckets
      .get(bucketName)
      ?.versions.filter((v) => v.key === key)
      .sort((a, b) => b.sequence - a.sequence)[0];
    return newest && !newest.deleteMarker ? newest : undefined;
  }

  readText(bucket: string, key: string): string | undefined {
    return this.latest(bucket, key)?.body.toString("utf8");
  }

  isEmpty(bucketName: string): boolean {
    return (this.buckets.get(bucketName)?.versions.length ?? 0) === 0;
  }

  mustGet(name: string | undefined): Bucket {
    const bucket = this.buckets.get(name ?? "");
    if (!bucket) throw awsError(NoSuchBucket, "NoSuchBucket", "The specified bucket does not exist", { status: 404, fields: { BucketName: name } });
    return bucket;
  }

  /** Keys ascending, newest version first within a key: the order ListObjectVersions uses. */
  ordered(bucket: Bucket, prefix = ""): ObjectVersion[] {
    return bucket.versions
      .filter((v) => v.key.startsWith(prefix))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : b.sequence - a.sequence));
  }

  private newVersionId(): string {
    return encode(this.world.ids.fresh("s3-version"), 32, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._");
  }

  handlers(): Handlers {
    const s3 = this;
    const head404 = () => awsError(NotFound, "NotFound", "Not Found", { status: 404 });
    return {
      CreateBucket(input: { Bucket?: string }, context): Out<CreateBucketCommandOutput> {
        if (s3.buckets.has(input.Bucket ?? "")) {
          throw awsError(BucketAlreadyOwnedByYou, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.", { status: 409 });
        }
        s3.createBucket(input.Bucket ?? "", { region: context.region });
        return { Location: `/${input.Bucket}` };
      },
      HeadBucket(input: { Bucket?: string }): Out<HeadBucketCommandOutput> {
        const bucket = s3.buckets.get(input.Bucket ?? "");
        if (!bucket) throw head404();
        return { BucketRegion: bucket.region };
      },
      ListBuckets(): Out<ListBucketsCommandOutput> {
        return { Buckets: [...s3.buckets.values()].map((b) => ({ Name: b.name, CreationDate: new Date(b.createdAt), BucketRegion: b.region })) };
      },
      DeleteBucket(input: { Bucket?: string }): Out<DeleteBucketCommandOutput> {
        const bucket = s3.mustGet(input.Bucket);
        if (bucket.versions.length > 0) {
          const message = bucket.versioning ? "The bucket you tried to delete is not empty. You must delete all versions in the bucket." : "The bucket you tried to delete is not empty";
          throw awsError(S3ServiceException, "BucketNotEmpty", message, { status: 409, fields: { BucketName: bucket.name } });
        }
        s3.buckets.delete(bucket.name);
        return {};
      },
      PutBucketVersioning(input: { Bucket?: string; VersioningConfiguration?: { Status?: "Enabled" | "Suspended" } }): Out<PutBucketVersioningCommandOutput> {
        s3.mustGet(input.Bucket).versioning = input.VersioningConfiguration?.Status;
        return {};
      },
      GetBucketVersioning(input: { Bucket?: string }): Out<GetBucketVersioningCommandOutput> {
        const status = s3.mustGet(input.Bucket).versioning;
        return status ? { Status: status } : {};
      },
      ...Object.fromEntries(
        ["PutPublicAccessBlock", "PutBucketEncryption", "PutBucketPolicy", "PutBucketTagging", "PutBucketLifecycleConfiguration", "PutBucketOwnershipControls"].map((name) => [
          name,
          (input: { Bucket?: string }) => {
            s3.mustGet(input.Bucket).settings[name] = input;
            return {};
          },
        ]),
      ),
      async PutObject(input: PutObjectCommandInput): Promise<Out<PutObjectCommandOutput>> {
        s3.mustGet(input.Bucket);
        const version = s3.put(input.Bucket!, input.Key ?? "", await bodyBytes(input.Body));
        return { ETag: version.etag, ...(version.versionId !== "null" ? { VersionId: version.versionId } : {}) };
      },
      GetObject(input: GetObjectCommandInput): Out<GetObjectCommandOutput> {
        const version = s3.find(input.Bucket, input.Key, input.VersionId);
        if (!version || version.deleteMarker) throw awsError(NoSuchKey, "NoSuchKey", "The specified key does not exist.", { status: 404, fields: { Key: input.Key } });
        return { Body: streamOf(version.body) as unknown as GetObjectCommandOutput["Body"], ContentLength: version.body.length, ETag: version.etag, LastModified: new Date(version.lastModified), VersionId: version.versionId };
      },
      HeadObject(input: { Bucket?: string; Key?: string; VersionId?: string }): Out<HeadObjectCommandOutput> {
        const version = s3.find(input.Bucket, input.Key, input.VersionId);
        if (!version || version.deleteMarker) throw head404();
        return { ContentLength: version.body.length, ETag: version.etag, LastModified: new Date(version.lastModified), VersionId: version.versionId };
      },
      DeleteObject(input: { Bucket?: string; Key?: string; VersionId?: string }): Out<DeleteObjectCommandOutput> {
        return s3.delete(s3.mustGet(input.Bucket), input.Key ?? "", input.VersionId);
      },
      DeleteObjects(input: DeleteObjectsCommandInput): Out<DeleteObjectsCommandOutput> {
        const bucket = s3.mustGet(input.Bucket);
        const objects = input.Delete?.Objects ?? [];
        if (objects.length === 0 || objects.length > DELETE_OBJECTS_LIMIT) {
          throw awsError(S3ServiceException, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema", { status: 400 });
        }
        // A refusal is per key, inside an HTTP 200: "In quiet mode, the response includes only keys for which the
        // delete operation encountered an error. If all keys are successfully deleted when you're using quiet mode,
        // Amazon S3 returns an empty response" (Amazon S3 User Guide, Deleting multiple objects; API Reference,
        // DeleteObjects: Errors "Container for a failed delete action", with Key, VersionId, Code and Message).
        const refused = objects.filter((o) => bucket.undeletable?.has(o.Key ?? ""));
        const errors = refused.map((o) => {
          const { code, message } = bucket.undeletable!.get(o.Key ?? "")!;
          return { Key: o.Key, VersionId: o.VersionId, Code: code, ...(message !== undefined ? { Message: message } : {}) };
        });
        const deleted = objects.filter((o) => !refused.includes(o)).map((o) => ({ Key: o.Key, ...s3.delete(bucket, o.Key ?? "", o.VersionId) }));
        // Like the real response: no Deleted member in quiet mode, no Errors member when nothing failed.
        return { ...(input.Delete?.Quiet || deleted.length === 0 ? {} : { Deleted: deleted }), ...(errors.length > 0 ? { Errors: errors } : {}) };
      },
      ListObjectsV2(input: ListObjectsV2CommandInput): Out<ListObjectsV2CommandOutput> {
        const bucket = s3.mustGet(input.Bucket);
        const maxKeys = Math.min(input.MaxKeys ?? 1000, 1000);
        const after = input.ContinuationToken ? Buffer.from(input.ContinuationToken, "base64").toString("utf8") : (input.StartAfter ?? "");
        const current = [...new Set(s3.ordered(bucket, input.Prefix).map((v) => v.key))]
          .filter((key) => key > after)
          .map((key) => s3.latest(bucket.name, key))
          .filter((v): v is ObjectVersion => v !== undefined);
        const pageItems = current.slice(0, maxKeys);
        const truncated = current.length > maxKeys;
        return {
          Name: bucket.name,
          Prefix: input.Prefix ?? "",
          MaxKeys: maxKeys,
          KeyCount: pageItems.length,
          IsTruncated: truncated,
          ...(pageItems.length > 0
            ? { Contents: pageItems.map((v) => ({ Key: v.key, LastModified: new Date(v.lastModified), ETag: v.etag, Size: v.body.length, StorageClass: "STANDARD" as const })) }
            : {}),
          ...(truncated ? { NextContinuationToken: Buffer.from(pageItems[pageItems.length - 1]!.key).toString("base64") } : {}),
        };
      },
      ListObjectVersions(input: ListObjectVersionsCommandInput): Out<ListObjectVersionsCommandOutput> {
        const bucket = s3.mustGet(input.Bucket);
        const maxKeys = Math.min(input.MaxKeys ?? 1000, 1000);
        const all = s3.ordered(bucket, input.Prefix);
        let start = 0;
        if (input.KeyMarker !== undefined) {
          const markerIndex = input.VersionIdMarker ? all.findIndex((v) => v.key === input.KeyMarker && v.versionId === input.VersionIdMarker) : -1;
          start = markerIndex >= 0 ? markerIndex + 1 : all.findIndex((v) => v.key > input.KeyMarker!);
          if (start < 0) start = all.length;
        }
        const pageItems = all.slice(start, start + maxKeys);
        const truncated = start + maxKeys < all.length;
        const newestOf = new Map<string, number>();
        for (const v of all) newestOf.set(v.key, Math.max(newestOf.get(v.key) ?? -1, v.sequence));
        const entry = (v: ObjectVersion) => ({ Key: v.key, VersionId: v.versionId, IsLatest: newestOf.get(v.key) === v.sequence, LastModified: new Date(v.lastModified) });
        const versions = pageItems.filter((v) => !v.deleteMarker).map((v) => ({ ...entry(v), ETag: v.etag, Size: v.body.length, StorageClass: "STANDARD" as const }));
        const markers = pageItems.filter((v) => v.deleteMarker).map(entry);
        const last = pageItems[pageItems.length - 1];
        return {
          Name: bucket.name,
          Prefix: input.Prefix ?? "",
          KeyMarker: input.KeyMarker ?? "",
          VersionIdMarker: input.VersionIdMarker ?? "",
          MaxKeys: maxKeys,
          IsTruncated: truncated,
          // Empty lists are absent in real responses, so callers must cope with undefined.
          ...(versions.length > 0 ? { Versions: versions } : {}),
          ...(markers.length > 0 ? { DeleteMarkers: markers } : {}),
          ...(truncated && last ? { NextKeyMarker: last.key, NextVersionIdMarker: last.versionId } : {}),
        };
      },
    };
  }

  private find(bucketName: string | undefined, key: string | undefined, versionId: string | undefined): ObjectVersion | undefined {
    const bucket = this.mustGet(bucketName);
    const versions = bucket.versions.filter((v) => v.key === key).sort((a, b) => b.sequence - a.sequence);
    return versionId === undefined ? versions[0] : versions.find((v) => v.versionId === versionId);
  }
}
