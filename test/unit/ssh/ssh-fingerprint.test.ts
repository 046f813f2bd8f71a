import { expect, it } from "vitest";
import { sshFingerprint } from "../../../src/ssh/ssh-fingerprint.js";

it("matches the fingerprint ssh-keygen -l prints for the same key", () => {
  // ssh-keygen -t ed25519 produced this key; `ssh-keygen -lf` printed the fingerprint.
  const publicKey = "AAAAC3NzaC1lZDI1NTE5AAAAIGX/rr4amgL4DDwKGCK/ij8B0EDKYyFazitpC+QsXOym";
  expect(sshFingerprint(Buffer.from(publicKey, "base64"))).toBe(
    "SHA256:fbvWx7tccquu6uGYCHfGJ2+D72nEbtHlzoDn8lodc9k",
  );
});
