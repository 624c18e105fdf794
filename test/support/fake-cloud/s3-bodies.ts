/** Object bodies in and out: whatever PutObject may be given, and a GetObject Body with the SDK's helpers. */
import { Readable } from "node:stream";

export async function bodyBytes(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === "string") return Buffer.from(body, "utf8");
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (typeof (body as Blob).arrayBuffer === "function") return Buffer.from(await (body as Blob).arrayBuffer());
  if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function") {
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<string | Uint8Array>) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk));
    return Buffer.concat(chunks);
  }
  throw new Error(`FakeCloud: PutObject Body of unsupported type ${typeof body}`);
}

/** A stream with the SDK's `transformToString` / `transformToByteArray` helpers, like GetObject's Body. */
export function streamOf(bytes: Buffer) {
  return Object.assign(Readable.from([bytes]), {
    transformToString: async (encoding: BufferEncoding = "utf8") => bytes.toString(encoding),
    transformToByteArray: async () => new Uint8Array(bytes),
    transformToWebStream: () => new Blob([new Uint8Array(bytes)]).stream(),
  });
}
