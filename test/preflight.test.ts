import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createClients, type AwsClients } from "../src/aws/clients.js";
import { loadEnvironment } from "../src/env/load.js";
import type { Environment, EnvironmentName } from "../src/env/model.js";
import { UserInputError } from "../src/errors.js";
import { preflight } from "../src/orchestrator/deploy/preflight.js";
import { createFakeCloud, type FakeCloud } from "./support/fake-cloud.js";

const RETRY = { retries: 0, minTimeoutMs: 1, maxTimeoutMs: 1 };
const SECRET = "arn:aws:secretsmanager:us-east-2:123456789012:secret:alert-engine/dev-AbC123";

function environment(name: EnvironmentName, overrides: Partial<Environment> = {}): Environment {
  return { ...loadEnvironment(name, { vars: {}, cwd: "/nonexistent" }), secretsArn: SECRET, ...overrides };
}

let cloud: FakeCloud;
let clients: AwsClients;

beforeEach(() => {
  cloud = createFakeCloud();
  clients = createClients({ region: "us-east-2" });
});
afterEach(() => cloud.restore());

/** A ready account: the zone, the repository and the default image. */
function ready() {
  const zone = cloud.putHostedZone("totogicore.com");
  const image = cloud.putImage("alert-engine-dev", "latest");
  return { zone, image };
}

/** Runs preflight expecting a refusal; returns its message after checking nothing was changed. */
async function refusal(env: Environment, extra: { imageTag?: string; purpose?: "deploy" | "review" } = {}): Promise<string> {
  const error = await preflight({ env, clients, retry: RETRY, purpose: extra.purpose ?? "deploy", imageTag: extra.imageTag }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserInputError);
  expect((error as UserInputError).exitCode).toBe(2);
  expect(cloud.mutatingCalls()).toEqual([]);
  return (error as Error).message;
}

describe("preflight: a ready account", () => {
  it("returns the account, the bare hosted zone id and the image pinned to its digest, with read calls only", async () => {
    const { zone, image } = ready();
    const result = await preflight({ env: environment("dev"), clients, retry: RETRY, purpose: "deploy" });
    expect(result.account).toBe("123456789012");
    expect(result.callerArn).toContain(":user/fake-deployer");
    expect(result.context.HostedZoneId).toBe(zone.id.replace("/hostedzone/", ""));
    expect(result.context.ImageUri).toBe(`123456789012.dkr.ecr.us-east-2.amazonaws.com/alert-engine-dev@${image.digest}`);
    expect(cloud.mutatingCalls()).toEqual([]);
  });

  it("uses --image-tag instead of the configured tag", async () => {
    ready();
    const pushed = cloud.putImage("alert-engine-dev", "3f2a9c1");
    const result = await preflight({ env: environment("dev"), clients, retry: RETRY, purpose: "deploy", imageTag: "3f2a9c1" });
    expect(result.context.ImageUri).toBe(`123456789012.dkr.ecr.us-east-2.amazonaws.com/alert-engine-dev@${pushed.digest}`);
  });

  it("accepts prod in its own account", async () => {
    cloud.putHostedZone("totogicore.com");
    cloud.putImage("alert-engine-prod", "latest");
    const result = await preflight({ env: environment("prod", { account: "123456789012" }), clients, retry: RETRY, purpose: "deploy" });
    expect(result.account).toBe("123456789012");
  });

  it("refuses a review before the image is pushed, as a deploy: a change set made with the tag is not what deploy runs", async () => {
    cloud.putHostedZone("totogicore.com");
    const refused = await preflight({ env: environment("dev"), clients, retry: RETRY, purpose: "review" }).catch((e: Error) => e.message);
    expect(refused).toMatch(/^Cannot review dev \(us-east-2\):\n  - ECR repository alert-engine-dev does not exist/);
  });
});

describe("preflight: refusals (exit 2, nothing changed)", () => {
  it("no credentials: says so and how to provide them", async () => {
    ready();
    cloud.mocks.STS.on(GetCallerIdentityCommand).rejects(
      Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }),
    );
    const message = await refusal(environment("dev"));
    expect(message).toContain("no AWS credentials found");
    expect(message).toContain("--profile");
    expect(message).toContain("AWS_PROFILE");
    expect(message).toContain("aws configure");
    expect(message).toContain("aws sso login");
  });

  it("expired credentials: says to refresh them", async () => {
    ready();
    cloud.mocks.STS.on(GetCallerIdentityCommand).rejects(
      Object.assign(new Error("The security token included in the request is expired"), { name: "ExpiredToken" }),
    );
    expect(await refusal(environment("dev"))).toMatch(/AWS rejected the credentials .*expired.*aws sso login/);
  });

  it("a clock minutes off: retries once the SDK has corrected its offset, instead of blaming the credentials", async () => {
    ready();
    // What the SDK's signer does when AWS refuses a skewed signature: it learns the offset from the
    // response's Date header and marks the error clockSkewCorrected, so the next attempt is signed right.
    const skewed = Object.assign(new Error("Signature expired: 20250101T001000Z is now earlier than 20250101T001500Z"), {
      name: "SignatureDoesNotMatch",
      $metadata: { httpStatusCode: 403, clockSkewCorrected: true },
    });
    cloud.mocks.STS.on(GetCallerIdentityCommand).rejectsOnce(skewed).resolves({ Account: cloud.account, Arn: `arn:aws:iam::${cloud.account}:user/me`, UserId: "AIDA" });
    const checked = await preflight({ env: environment("dev"), clients, retry: { retries: 2, minTimeoutMs: 1, maxTimeoutMs: 1 }, purpose: "deploy" });
    expect(checked.account).toBe(cloud.account);
  });

  it("another account than the environment's: names both", async () => {
    ready();
    const message = await refusal(environment("dev", { account: "999999999999" }));
    expect(message).toContain("account 123456789012");
    expect(message).toContain("only into account 999999999999");
  });

  it("prod without an account: refused before anything else is asked", async () => {
    cloud.putHostedZone("totogicore.com");
    cloud.putImage("alert-engine-prod", "latest");
    expect(await refusal(environment("prod"))).toContain("prod.account is required for prod");
  });

  it("the placeholder secret ARN", async () => {
    ready();
    const message = await refusal(environment("dev", { secretsArn: "arn:aws:secretsmanager:us-east-2:000000000000:secret:alert-engine/dev-XXXXXX" }));
    expect(message).toContain("dev.secretsArn is still the placeholder");
  });

  it("a malformed secret ARN", async () => {
    ready();
    expect(await refusal(environment("dev", { secretsArn: "arn:aws:secretsmanager:us-east-2:123:secret:oops" }))).toContain("dev.secretsArn");
  });

  it("no hosted zone: names the zone it looked for; neighbours and private zones do not count", async () => {
    cloud.putImage("alert-engine-dev", "latest");
    cloud.putHostedZone("api.totogicore.com");
    cloud.putHostedZone("totogicore.com.au");
    cloud.putHostedZone("totogicore.com", { private: true });
    const message = await refusal(environment("dev"));
    expect(message).toContain("no public Route 53 hosted zone named totogicore.com.");
    expect(message).toContain("aws route53 create-hosted-zone --name totogicore.com");
  });

  it("two public zones of the same name: an error listing both, not a guess", async () => {
    cloud.putImage("alert-engine-dev", "latest");
    const a = cloud.putHostedZone("totogicore.com");
    const b = cloud.putHostedZone("totogicore.com");
    const message = await refusal(environment("dev"));
    expect(message).toContain("2 public hosted zones are named totogicore.com.");
    expect(message).toContain(a.id.replace("/hostedzone/", ""));
    expect(message).toContain(b.id.replace("/hostedzone/", ""));
  });

  it("no repository: names the bootstrap command and the docker push commands", async () => {
    cloud.putHostedZone("totogicore.com");
    const message = await refusal(environment("dev"));
    expect(message).toContain("ECR repository alert-engine-dev does not exist");
    expect(message).toContain("npm run orchestrate -- bootstrap dev");
    expect(message).toContain("docker login --username AWS --password-stdin 123456789012.dkr.ecr.us-east-2.amazonaws.com");
    expect(message).toContain("docker push 123456789012.dkr.ecr.us-east-2.amazonaws.com/alert-engine-dev:latest");
  });

  it("no image with that tag: names the image and how to push it", async () => {
    ready();
    const message = await refusal(environment("dev"), { imageTag: "v9" });
    expect(message).toContain("image 123456789012.dkr.ecr.us-east-2.amazonaws.com/alert-engine-dev:v9 is not in ECR");
    expect(message).toContain("docker push 123456789012.dkr.ecr.us-east-2.amazonaws.com/alert-engine-dev:v9");
    expect(message).toContain("--build DIR");
  });

  it("an --image-tag docker would refuse", async () => {
    ready();
    expect(await refusal(environment("dev"), { imageTag: "has space" })).toContain('image tag "has space"');
  });

  it("reports every problem at once", async () => {
    const message = await refusal(environment("dev", { secretsArn: "arn:aws:secretsmanager:us-east-2:000000000000:secret:alert-engine/dev-XXXXXX" }));
    expect(message.split("\n")[0]).toBe("Cannot deploy dev (us-east-2):");
    expect(message).toContain("placeholder");
    expect(message).toContain("hosted zone");
    expect(message).toContain("ECR repository");
  });

  it("in the wrong account, asks nothing about that account's zone or images", async () => {
    const message = await refusal(environment("dev", { account: "999999999999" }));
    expect(message).not.toContain("hosted zone");
    expect(cloud.calls.map((c) => c.command)).toEqual(["GetCallerIdentity"]);
  });
});
