/**
 * The SDK's own HTTP handler, configured by createClients, against an endpoint on this machine that accepts
 * the request and never answers (loopback only: no test reaches the network). The fake cloud replaces
 * `send`, so this is the one place the real handler's timeout is exercised.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createClients } from "../src/aws/clients.js";
import { StsApi } from "../src/aws/sts.js";

let server: Server | undefined;
afterEach(() => new Promise<void>((done) => (server ? (server.closeAllConnections(), server.close(() => done())) : done())));

describe("the SDK clients' HTTP timeouts", () => {
  it("a request whose answer never comes fails with a timeout naming the operation instead of hanging", async () => {
    server = createServer(() => {}); // reads the request, never responds
    await new Promise<void>((listening) => server!.listen(0, "127.0.0.1", listening));
    const { port } = server.address() as AddressInfo;
    const clients = createClients({
      region: "us-east-2",
      endpointUrl: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: "AKIAFAKEFAKEFAKEFAKE", secretAccessKey: "fake" },
      timeouts: { connectionMs: 1_000, requestMs: 200 },
    });
    // The retry layer's own deadline is far away: only the handler's timeout can end this call.
    const sts = new StsApi(clients.sts, { retries: 0, minTimeoutMs: 1, maxTimeoutMs: 1, attemptTimeoutMs: 60_000 });
    // The handler states its own limit ("…exceeded the configured 200 ms requestTimeout"), and the error says it in seconds.
    await expect(sts.callerIdentity()).rejects.toThrow(/AWS did not answer GetCallerIdentity within 0.2 s: check the network/);
  });
});
