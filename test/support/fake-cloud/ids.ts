/** Deterministic identifiers: the same test run twice yields the same ARNs, so failures are reproducible. */
import { createHash } from "node:crypto";

export function hashOf(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\u0000")).digest("hex");
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** Turns a hex digest into `length` characters of the given alphabet (upper-case alphanumerics by default). */
export function encode(hex: string, length: number, alphabet = ALPHANUMERIC): string {
  let out = "";
  for (let i = 0; out.length < length; i += 2) {
    const byte = parseInt(hex.slice(i % (hex.length - 1), (i % (hex.length - 1)) + 2), 16);
    out += alphabet[(byte + i) % alphabet.length];
  }
  return out;
}

export class Ids {
  private counter = 0;

  /** A fresh hex digest, unique within this fake cloud. */
  fresh(kind: string): string {
    return hashOf("fresh", kind, String(this.counter++));
  }

  uuid(kind: string): string {
    const h = this.fresh(kind);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}
