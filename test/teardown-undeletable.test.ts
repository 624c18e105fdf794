/**
 * Emptying a bucket that refuses some deletions: S3 answers DeleteObjects with HTTP 200 and a per-key
 * Errors list (Object Lock, a Deny in the bucket policy). Teardown must stop there, naming the keys and
 * reasons, and delete no stack; relisting and retrying the same keys would loop forever.
 */
import { describe, expect, it } from "vitest";
import { environmentFrom, freshCliEachTest, type Cli } from "./support/cli-harness.js";
import type { Harness } from "./support/deploy-harness.js";

describe("teardown: a bucket whose objects cannot all be deleted", () => {
  let h: Harness;
  let cli: Cli;
  let config: string;
  freshCliEachTest((world) => ({ h, config, cli } = world));

  it("stops at the first refused batch with the keys and S3's reasons, and deletes no stack", { timeout: 5_000 }, async () => {
    await h.deploy("stage", { env: environmentFrom(config, "stage") });
    const bucket = h.cloud.stack("alert-engine-storage-stage")!.outputs.BucketName!;
    for (let i = 0; i < 5; i++) h.cloud.putObject(bucket, `alerts/${i}.json`, { versioned: true });
    h.cloud.protectObject(bucket, "alerts/3.json");
    // Retrying the refused keys would loop on promises alone, never yielding to the test's timeout: a second
    // listing after the refusal fails loudly instead, so that regression fails this test rather than hangs the suite.
    void h.cloud.answered("DeleteObjects", 1).then(() => h.cloud.notImplemented({ command: "ListObjectVersions", times: 1_000, name: "RelistedAfterRefusal" }));

    expect(await cli.run(["teardown", "stage", "--yes"])).toBe(1);
    expect(cli.lastOutput()).toMatch(/could not delete 1 of \d+ objects in s3:\/\/\S+ \(alerts\/3\.json: AccessDenied Access Denied because object protected by object lock\.\)/);
    expect(h.cloud.callsOf("DeleteObjects")).toHaveLength(1);
    expect(h.cloud.bucket(bucket)!.entries.map((e) => e.key)).toEqual(["alerts/3.json"]);
    expect(h.cloud.stack("alert-engine-storage-stage")?.status).toBe("CREATE_COMPLETE");
  });

  it("many refused keys: names the first three with S3's reasons and counts the rest; a refusal without a message shows its code alone", async () => {
    await h.deploy("stage", { env: environmentFrom(config, "stage") });
    const bucket = h.cloud.stack("alert-engine-storage-stage")!.outputs.BucketName!;
    for (let i = 0; i < 5; i++) h.cloud.putObject(bucket, `alerts/${i}.json`, { versioned: true });
    // A bucket policy's Deny: S3 may leave a refusal's Message out (every member of its Error is optional).
    h.cloud.protectObject(bucket, "alerts/0.json", { code: "AccessDenied" });
    for (let i = 1; i < 5; i++) h.cloud.protectObject(bucket, `alerts/${i}.json`);
    void h.cloud.answered("DeleteObjects", 1).then(() => h.cloud.notImplemented({ command: "ListObjectVersions", times: 1_000, name: "RelistedAfterRefusal" }));
    const total = h.cloud.bucket(bucket)!.entries.length; // one batch: the deploy's own objects and the five

    expect(await cli.run(["teardown", "stage", "--yes"])).toBe(1);
    const locked = "AccessDenied Access Denied because object protected by object lock.";
    expect(cli.lastOutput()).toContain(
      `could not delete 5 of ${total} objects in s3://${bucket} (alerts/0.json: AccessDenied; alerts/1.json: ${locked}; alerts/2.json: ${locked}; and 2 more): check the bucket policy and Object Lock settings, then rerun`,
    );
    expect(h.cloud.stack("alert-engine-storage-stage")?.status).toBe("CREATE_COMPLETE");
  });
});
