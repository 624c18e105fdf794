import { apiUrl, BUCKET_PREFIXES, type Environment } from "../env/model.js";
import { getAtt, policyDocument, ref, sub, type Json } from "./cfn.js";
import { dataProtection, defineStack, tagList } from "./stack.js";
import { accessLogBucket, LOG_BUCKET, S3_LOG_PREFIX } from "./storage-logs.js";

type BucketPrefix = (typeof BUCKET_PREFIXES)[number];

const TEMP_EXPIRY_DAYS = 7;
const MULTIPART_ABORT_DAYS = 7;
// STANDARD_IA refuses transitions before day 30 and bills a 30-day minimum, so logs move at 30 and go at 90.
const LOGS_TO_IA_DAYS = 30;
const LOGS_EXPIRY_DAYS = 90;
// Environments that retain data keep old versions long enough to notice and undo a bad overwrite.
const noncurrentDays = (env: Environment) => (env.retainData ? 90 : 30);

/** Typed on BUCKET_PREFIXES so a rule can only target a prefix the application actually writes. */
const forPrefix = (prefix: BucketPrefix, rule: Record<string, Json>): Json => ({
  Id: `${prefix.replace(/\/$/, "")}-prefix`,
  Status: "Enabled",
  Prefix: prefix,
  ...rule,
});

/**
 * S3 has no folders, so the prefixes exist only through lifecycle rules: temp/ and logs/ age out;
 * alerts/, configs/ and data/ are kept indefinitely, protected by versioning where it is on.
 */
function lifecycleRules(env: Environment): Json[] {
  const rules: Json[] = [
    {
      Id: "abort-incomplete-multipart-uploads",
      Status: "Enabled",
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: MULTIPART_ABORT_DAYS },
    },
    forPrefix("temp/", {
      ExpirationInDays: TEMP_EXPIRY_DAYS,
      // Without this, every expired temp object would linger for the bucket-wide noncurrent period.
      ...(env.bucketVersioning ? { NoncurrentVersionExpiration: { NoncurrentDays: 1 } } : {}),
    }),
    forPrefix("logs/", {
      Transitions: [{ StorageClass: "STANDARD_IA", TransitionInDays: LOGS_TO_IA_DAYS }],
      ExpirationInDays: LOGS_EXPIRY_DAYS,
    }),
  ];
  if (env.bucketVersioning) {
    rules.push({
      Id: "expire-noncurrent-versions",
      Status: "Enabled",
      NoncurrentVersionExpiration: { NoncurrentDays: noncurrentDays(env) },
      // Delete markers left once all their versions expire would otherwise accumulate and slow listings.
      ExpiredObjectDeleteMarker: true,
    });
  }
  return rules;
}

/** The service's browser clients are served from the API domain and talk to S3 through presigned URLs. */
function corsConfiguration(env: Environment): Json {
  return {
    CorsRules: [
      {
        Id: "api-origin",
        AllowedOrigins: [apiUrl(env)],
        AllowedMethods: ["GET", "PUT", "POST", "DELETE", "HEAD"],
        AllowedHeaders: ["*"],
        // Multipart uploads from a browser need the part ETags back.
        ExposedHeaders: ["ETag"],
        MaxAge: 3000,
      },
    ],
  };
}

export const storageStack = defineStack({
  id: "storage",
  description: "Private, encrypted S3 bucket for alert engine data, and its access log bucket where audit logs are on",
  inputs: {},
  statefulResources: ["Bucket"],
  body: (env) => ({
    resources: {
      // No BucketName: bucket names are global, and a fixed one would collide across accounts
      // and force a replacement (of a retained bucket) on any rename.
      Bucket: {
        Type: "AWS::S3::Bucket",
        ...dataProtection(env),
        Properties: {
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
          },
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          // ACLs off: access is decided by IAM and the bucket policy alone.
          OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] },
          CorsConfiguration: corsConfiguration(env),
          ...(env.bucketVersioning ? { VersioningConfiguration: { Status: "Enabled" } } : {}),
          ...(env.lifecycleRules ? { LifecycleConfiguration: { Rules: lifecycleRules(env) } } : {}),
          ...(env.auditLogs ? { LoggingConfiguration: { DestinationBucketName: ref(LOG_BUCKET), LogFilePrefix: S3_LOG_PREFIX } } : {}),
          Tags: tagList(env),
        },
      },
      ...accessLogBucket(env),
      BucketPolicy: {
        Type: "AWS::S3::BucketPolicy",
        Properties: {
          Bucket: ref("Bucket"),
          PolicyDocument: policyDocument([
            {
              Sid: "DenyInsecureTransport",
              Effect: "Deny",
              Principal: "*",
              Action: "s3:*",
              Resource: [getAtt("Bucket", "Arn"), sub("${Bucket.Arn}/*")],
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
          ]),
        },
      },
    },
    outputs: {
      BucketName: { value: ref("Bucket"), description: "Data bucket name" },
      BucketArn: { value: getAtt("Bucket", "Arn"), description: "Data bucket ARN" },
      ...(env.auditLogs ? { AccessLogBucketName: { value: ref(LOG_BUCKET), description: "Bucket of the load balancer's and the data bucket's access logs" } } : {}),
    },
  }),
});
