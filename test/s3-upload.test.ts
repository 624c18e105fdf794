/**
 * The S3 wrapper through the real SDK client (its middleware included), answered by a stub HTTP
 * handler instead of the network: what the SDK itself does with our requests.
 */
import { Readable } from "node:stream";
import { S3Client } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it, vi } from "vitest";
import { S3Api } from "../src/aws/s3.js";
import { FAST_RETRY } from "./support/deploy-harness.js";

interface SentRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
}

/** An S3 client whose HTTP layer answers HEAD with 404 (no such key) and everything else with 200. */
function s3WithoutNetwork() {
  const sent: SentRequest[] = [];
  const requestHandler = {
    handle: async (request: SentRequest) => {
      sent.push({ method: request.method, path: request.path, headers: { ...request.headers } });
      const statusCode = request.method === "HEAD" ? 404 : 200;
      return { response: { statusCode, headers: {}, body: Readable.from([]) } };
    },
  };
  const client = new S3Client({ region: "us-east-2", credentials: { accessKeyId: "AKIAFAKEFAKEFAKEFAKE", secretAccessKey: "fake" }, requestHandler: requestHandler as never });
  return { api: new S3Api(client, FAST_RETRY), sent };
}

describe("S3 uploads", () => {
  afterEach(() => vi.restoreAllMocks());

  it("writes a folder marker with a zero Content-Length, so the SDK does not warn of a stream of unknown length", async () => {
    const warnings: string[] = [];
    vi.spyOn(console, "warn").mockImplementation((...args) => void warnings.push(args.join(" ")));
    const { api, sent } = s3WithoutNetwork();

    expect(await api.putObjectIfMissing("alert-engine-dev-bucket", "alerts/")).toBe(true);
    const put = sent.find((r) => r.method === "PUT");
    expect(put?.headers["content-length"]).toBe("0");
    expect(warnings.filter((w) => /Stream of unknown length/.test(w))).toEqual([]);
  });

  it("sends a template's length in bytes, multi-byte characters included", async () => {
    const { api, sent } = s3WithoutNetwork();
    const body = JSON.stringify({ Description: "Alert Engine — network" });
    await api.uploadTemplate("templates-bucket", "alert-engine/dev/network.json", body);
    expect(sent.find((r) => r.method === "PUT")?.headers["content-length"]).toBe(String(Buffer.byteLength(body)));
  });
});
