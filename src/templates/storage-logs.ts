/**
 * The audit trail's bucket: the load balancer's access logs and the data bucket's server access logs,
 * where the environment keeps one (auditLogs). Private, TLS-only, SSE-S3 (ALB log delivery refuses
 * SSE-KMS buckets), expiring, and retained with the rest of the data where the environment retains data.
 */
import type { Environment } from "../env/model.js";
import { getAtt, policyDocument, ref, sub, type Json, type Resource, type Statement } from "./cfn.js";
import { dataProtection, tagList } from "./stack.js";

export const LOG_BUCKET = "LogBucket";
/** Where S3 server access logs of the data bucket land; the ALB's go under its own prefix ("alb/"). */
export const S3_LOG_PREFIX = "s3/";
/** The bucket policy grants ELB delivery under `alb/AWSLogs/<account>/`, so the ALB must use this prefix. */
export const ALB_LOG_PREFIX = "alb";
/** A year of access logs answers "who touched this, when" for most reviews; then they go. */
const ACCESS_LOG_EXPIRY_DAYS = 365;
const MULTIPART_ABORT_DAYS = 7;

/**
 * Elastic Load Balancing's log-writing account in each region that opened before August 2022
 * (ELB user guide, "Enable access logs": attach a policy to your S3 bucket). Regions opened since
 * take the log delivery service principal instead, and so does any region missing here.
 */
const ELB_LOG_ACCOUNTS: Record<string, string> = {
  "us-east-1": "127311923021",
  "us-east-2": "033677994240",
  "us-west-1": "027434742980",
  "us-west-2": "797873946194",
  "af-south-1": "098369216593",
  "ap-east-1": "754344448648",
  "ap-south-1": "718504428378",
  "ap-northeast-1": "582318560864",
  "ap-northeast-2": "600734575887",
  "ap-northeast-3": "383597477331",
  "ap-southeast-1": "114774131450",
  "ap-southeast-2": "783225319266",
  "ca-central-1": "985666609251",
  "eu-central-1": "054676820928",
  "eu-west-1": "156460612806",
  "eu-west-2": "652711504416",
  "eu-west-3": "009996457667",
  "eu-south-1": "635631232127",
  "eu-north-1": "897822967062",
  "me-south-1": "076674570225",
  "sa-east-1": "507241528517",
};

function loadBalancerLogWriter(region: string): Json {
  const account = ELB_LOG_ACCOUNTS[region];
  return account ? { AWS: `arn:aws:iam::${account}:root` } : { Service: "logdelivery.elasticloadbalancing.amazonaws.com" };
}

function logBucketStatements(env: Environment): Statement[] {
  return [
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [getAtt(LOG_BUCKET, "Arn"), sub(`\${${LOG_BUCKET}.Arn}/*`)],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
    {
      // ELB writes only under <prefix>/AWSLogs/<this account>/.
      Sid: "LoadBalancerAccessLogs",
      Effect: "Allow",
      Principal: loadBalancerLogWriter(env.region),
      Action: "s3:PutObject",
      Resource: sub(`\${${LOG_BUCKET}.Arn}/${ALB_LOG_PREFIX}/AWSLogs/\${AWS::AccountId}/*`),
    },
    {
      // S3 server access logging delivers with this service principal (bucket policy, not ACLs, as
      // ownership is enforced); the conditions keep other buckets and accounts from writing here.
      Sid: "S3ServerAccessLogs",
      Effect: "Allow",
      Principal: { Service: "logging.s3.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: sub(`\${${LOG_BUCKET}.Arn}/${S3_LOG_PREFIX}*`),
      Condition: { ArnLike: { "aws:SourceArn": getAtt("Bucket", "Arn") }, StringEquals: { "aws:SourceAccount": ref("AWS::AccountId") } },
    },
  ];
}

/** The log bucket and its policy; empty when the environment keeps no audit trail. */
export function accessLogBucket(env: Environment): Record<string, Resource> {
  if (!env.auditLogs) return {};
  return {
    [LOG_BUCKET]: {
      Type: "AWS::S3::Bucket",
      ...dataProtection(env),
      Properties: {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] },
        LifecycleConfiguration: {
          Rules: [
            { Id: "expire-access-logs", Status: "Enabled", ExpirationInDays: ACCESS_LOG_EXPIRY_DAYS },
            { Id: "abort-incomplete-multipart-uploads", Status: "Enabled", AbortIncompleteMultipartUpload: { DaysAfterInitiation: MULTIPART_ABORT_DAYS } },
          ],
        },
        Tags: tagList(env, { Purpose: "access-logs" }),
      },
    },
    LogBucketPolicy: {
      Type: "AWS::S3::BucketPolicy",
      Properties: { Bucket: ref(LOG_BUCKET), PolicyDocument: policyDocument(logBucketStatements(env)) },
    },
  };
}
