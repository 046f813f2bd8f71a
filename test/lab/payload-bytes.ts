import { createCipheriv, createHash } from "node:crypto";

/**
 * `size` bytes that look random, so rpmbuild cannot compress them, and that
 * are the same for the same `seed` on every build: the AES-256-CTR keystream
 * under the key sha256(seed).
 */
export function payloadBytes(seed: string, size: number): Buffer {
  const key = createHash("sha256").update(seed).digest();
  const cipher = createCipheriv("aes-256-ctr", key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(size)), cipher.final()]);
}
