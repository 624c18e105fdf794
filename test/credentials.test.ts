import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createClients } from "../src/aws/clients.js";

describe("--profile", () => {
  const touched = ["AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI"];
  let server: Server;

  beforeEach(async () => {
    const dir = mkdtempSync(join(tmpdir(), "aws-config-"));
    writeFileSync(join(dir, "config"), "[profile deployer]\nregion = us-east-2\n");
    writeFileSync(join(dir, "credentials"), "[deployer]\naws_access_key_id = AKIADEPLOYERPROFILE0\naws_secret_access_key = from-the-profile\n");
    process.env.AWS_CONFIG_FILE = join(dir, "config");
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, "credentials");
    // A machine with a role of its own (an ECS task, a CI runner): the default chain's last resort.
    server = createServer((_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ AccessKeyId: "ASIAMACHINEROLE00000", SecretAccessKey: "the-machine-role", Token: "t", Expiration: new Date(Date.now() + 3_600_000).toISOString() }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = `http://127.0.0.1:${(server.address() as AddressInfo).port}/creds`;
  });
  afterEach(async () => {
    for (const name of touched) delete process.env[name];
    await new Promise((resolve) => server.close(resolve));
  });

  const credentialsOf = (profile: string) => createClients({ region: "us-east-2", profile }).sts.config.credentials();

  it("uses exactly the named profile", async () => {
    expect((await credentialsOf("deployer")).accessKeyId).toBe("AKIADEPLOYERPROFILE0");
  });

  it("refuses a profile that does not exist instead of falling through to the machine's own role", async () => {
    await expect(credentialsOf("deplyer")).rejects.toThrow(/deplyer/);
  });
});
