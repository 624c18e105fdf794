/**
 * An AWS endpoint on 127.0.0.1 for start-up figures: a real `orchestrate` process talks HTTP to it with
 * `--endpoint-url`, and each request is answered by the stateful fake cloud (through the SDK client the
 * fake mocks in this process). It speaks just enough of each wire protocol for the calls a deploy of an
 * environment that is already up to date makes; anything else is answered 501 so a gap shows at once.
 *
 * Protocols, as the AWS API references describe them:
 * - Query (CloudFormation, STS): form-encoded `Action=…` body; answer `<ActionResponse><ActionResult>…`,
 *   lists as `<member>`; errors as `<ErrorResponse><Error><Code>`.
 * - EC2 query: same request form (`GroupId.1=…`); answer elements in lowerCamelCase, lists as `<item>`.
 * - JSON 1.1 (ACM, ECR, ECS): `X-Amz-Target: Service.Operation`, JSON body; timestamps as epoch seconds;
 *   errors as `{"__type": …}` with status 400.
 * - REST-XML (Route 53): `GET /2013-04-01/hostedzonesbyname?dnsname=…`, `GET /2013-04-01/hostedzone/{Id}/rrset?…`.
 * - S3 (path style, as the CLI asks for with an endpoint URL): `HEAD /{Bucket}/{Key}`, metadata in headers, 404 if absent.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import * as acm from "@aws-sdk/client-acm";
import * as cloudformation from "@aws-sdk/client-cloudformation";
import * as ec2 from "@aws-sdk/client-ec2";
import * as ecr from "@aws-sdk/client-ecr";
import * as ecs from "@aws-sdk/client-ecs";
import * as route53 from "@aws-sdk/client-route-53";
import * as s3 from "@aws-sdk/client-s3";
import * as sts from "@aws-sdk/client-sts";
import type { AwsClients } from "../../src/aws/clients.js";

type Client = { send(command: unknown): Promise<unknown> };
type Module = Record<string, unknown>;

export interface LocalEndpoint {
  readonly url: string;
  /** performance.now() of every request received, in order, with its operation. */
  readonly requests: { at: number; operation: string }[];
  close(): Promise<void>;
}

export async function startLocalEndpoint(clients: AwsClients): Promise<LocalEndpoint> {
  const requests: { at: number; operation: string }[] = [];
  const server: Server = createServer((request, response) => {
    const at = performance.now();
    void readBody(request)
      .then((body) => answer(clients, request, body, (operation) => requests.push({ at, operation })))
      .then((reply) => send(response, reply))
      .catch((error: unknown) => send(response, { status: 500, body: String(error) }));
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((closed) => server.close(() => closed())),
  };
}

interface Reply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((done, failed) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => done(Buffer.concat(chunks).toString("utf8")));
    request.on("error", failed);
  });
}

function send(response: ServerResponse, reply: Reply): void {
  response.writeHead(reply.status, { "content-type": reply.body?.startsWith("{") ? "application/x-amz-json-1.1" : "text/xml", ...reply.headers });
  response.end(reply.body ?? "");
}

const JSON_TARGETS: Record<string, [keyof AwsClients, Module]> = {
  CertificateManager: ["acm", acm],
  AmazonEC2ContainerRegistry_V20150921: ["ecr", ecr],
  AmazonEC2ContainerServiceV20141113: ["ecs", ecs],
};

async function answer(clients: AwsClients, request: IncomingMessage, body: string, record: (operation: string) => void): Promise<Reply> {
  const url = new URL(request.url ?? "/", "http://local");
  const target = request.headers["x-amz-target"];
  if (typeof target === "string") {
    const [prefix, operation] = target.split(".") as [string, string];
    const service = JSON_TARGETS[prefix];
    if (!service) return { status: 501, body: `no JSON service ${prefix}` };
    record(operation);
    return jsonCall(clients[service[0]] as Client, service[1], operation, JSON.parse(body || "{}"));
  }
  if (String(request.headers["content-type"]).startsWith("application/x-www-form-urlencoded")) {
    const form = new URLSearchParams(body);
    const operation = form.get("Action") ?? "";
    record(operation);
    const input = Object.fromEntries([...form].filter(([key]) => key !== "Action" && key !== "Version"));
    if (operation === "DescribeSecurityGroups") return ec2Call(clients, input);
    const [client, module] = operation === "GetCallerIdentity" ? [clients.sts, sts] : [clients.cloudformation, cloudformation];
    return queryCall(client as Client, module, operation, input);
  }
  if (url.pathname.startsWith("/2013-04-01/")) return route53Call(clients, url, record);
  if (request.method === "HEAD") {
    record("HeadObject");
    return headObject(clients, url);
  }
  return { status: 501, body: `no handler for ${request.method} ${url.pathname}` };
}

async function call(client: Client, module: Module, operation: string, input: unknown): Promise<{ output?: Record<string, unknown>; error?: { name: string; message: string; status: number } }> {
  const Command = module[`${operation}Command`] as (new (input: unknown) => unknown) | undefined;
  if (!Command) throw new Error(`no SDK command ${operation}`);
  try {
    const output = (await client.send(new Command(input))) as Record<string, unknown>;
    delete output.$metadata;
    return { output };
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { error: { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode ?? 400 } };
  }
}

async function jsonCall(client: Client, module: Module, operation: string, input: unknown): Promise<Reply> {
  const { output, error } = await call(client, module, operation, input);
  if (error) return { status: error.status, body: JSON.stringify({ __type: error.name, message: error.message }) };
  return { status: 200, body: JSON.stringify(output).replace(/"(\d{4}-\d\d-\d\dT[\d:.]+Z)"/g, (_m, iso: string) => String(Date.parse(iso) / 1000)) };
}

const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** One value as XML elements: `name` for element names, `itemName` for list members. */
function toXml(value: unknown, name: (key: string) => string, itemName: (key: string) => string, key = ""): string {
  if (value === undefined || value === null) return "";
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => `<${itemName(key)}>${toXml(v, name, itemName, key)}</${itemName(key)}>`).join("");
  if (typeof value === "object") {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `<${name(k)}>${toXml(v, name, itemName, k)}</${name(k)}>`)
      .join("");
  }
  return escapeXml(String(value));
}

async function queryCall(client: Client, module: Module, operation: string, input: Record<string, string>): Promise<Reply> {
  const { output, error } = await call(client, module, operation, input);
  if (error) return { status: error.status, body: `<ErrorResponse><Error><Type>Sender</Type><Code>${error.name}</Code><Message>${escapeXml(error.message)}</Message></Error></ErrorResponse>` };
  const result = toXml(output, (k) => k, () => "member");
  return { status: 200, body: `<${operation}Response><${operation}Result>${result}</${operation}Result><ResponseMetadata><RequestId>local</RequestId></ResponseMetadata></${operation}Response>` };
}

/** EC2's element names are its API reference's lowerCamelCase "locationName"s; two differ from the SDK's field names. */
const EC2_NAMES: Record<string, string> = { SecurityGroups: "securityGroupInfo", UserIdGroupPairs: "groups" };

async function ec2Call(clients: AwsClients, form: Record<string, string>): Promise<Reply> {
  const groupIds = Object.entries(form).filter(([k]) => k.startsWith("GroupId.")).map(([, v]) => v);
  const { output, error } = await call(clients.ec2 as Client, ec2, "DescribeSecurityGroups", { GroupIds: groupIds });
  if (error) return { status: error.status, body: `<Response><Errors><Error><Code>${error.name}</Code><Message>${escapeXml(error.message)}</Message></Error></Errors></Response>` };
  const name = (k: string) => EC2_NAMES[k] ?? k.charAt(0).toLowerCase() + k.slice(1);
  return { status: 200, body: `<DescribeSecurityGroupsResponse>${toXml(output, name, () => "item")}</DescribeSecurityGroupsResponse>` };
}

/** Route 53 names each list's members by the singular of the list. */
const ROUTE53_MEMBERS: Record<string, string> = { HostedZones: "HostedZone", ResourceRecordSets: "ResourceRecordSet", ResourceRecords: "ResourceRecord" };

async function route53Call(clients: AwsClients, url: URL, record: (operation: string) => void): Promise<Reply> {
  const q = url.searchParams;
  const zone = /^\/2013-04-01\/hostedzone\/([^/]+)\/rrset$/.exec(url.pathname)?.[1];
  const [operation, input] = url.pathname === "/2013-04-01/hostedzonesbyname"
    ? ["ListHostedZonesByName", { DNSName: q.get("dnsname") ?? undefined, MaxItems: Number(q.get("maxitems") ?? 100) }]
    : zone
      ? ["ListResourceRecordSets", { HostedZoneId: zone, StartRecordName: q.get("name") ?? undefined, StartRecordType: q.get("type") ?? undefined, MaxItems: Number(q.get("maxitems") ?? 100) }]
      : ["", {}];
  if (!operation) return { status: 501, body: `no Route 53 handler for ${url.pathname}` };
  record(operation);
  const { output, error } = await call(clients.route53 as Client, route53, operation, input);
  if (error) return { status: error.status, body: `<ErrorResponse><Error><Type>Sender</Type><Code>${error.name}</Code><Message>${escapeXml(error.message)}</Message></Error></ErrorResponse>` };
  const xmlns = "https://route53.amazonaws.com/doc/2013-04-01/";
  return { status: 200, body: `<${operation}Response xmlns="${xmlns}">${toXml(output, (k) => k, (k) => ROUTE53_MEMBERS[k] ?? "member")}</${operation}Response>` };
}

async function headObject(clients: AwsClients, url: URL): Promise<Reply> {
  const [, bucket, ...key] = url.pathname.split("/");
  const { output, error } = await call(clients.s3 as Client, s3, "HeadObject", { Bucket: decodeURIComponent(bucket ?? ""), Key: decodeURIComponent(key.join("/")) });
  if (error) return { status: error.name === "NotFound" ? 404 : error.status };
  const headers: Record<string, string> = { "content-length": String(output?.ContentLength ?? 0) };
  if (output?.ETag) headers.etag = String(output.ETag);
  if (output?.LastModified instanceof Date) headers["last-modified"] = output.LastModified.toUTCString();
  return { status: 200, headers };
}
