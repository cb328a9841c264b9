/**
 * The secret scan of the identity tests: no password, robot secret, token or refresh token a test used
 * may appear in a log line, an error body or a list answer. Each secret is looked for as it is, percent-
 * encoded and in base64 (a logged Authorization header would hold it so); `basic(name, secret)` adds
 * the exact Basic credential form.
 */
import { expect } from "vitest";

/** The base64 `name:secret` a Basic Authorization header carries. */
export function basicForm(name: string, secret: string): string {
  return Buffer.from(`${name}:${secret}`).toString("base64");
}

/** Every way `secret` could show up in text. */
function forms(secret: string): string[] {
  const all = new Set([secret, encodeURIComponent(secret), Buffer.from(secret).toString("base64")]);
  // A JWT's signature alone identifies it; its header and claims are public and may be logged.
  const parts = secret.split(".");
  if (parts.length === 3 && parts[2]!.length > 20) all.add(parts[2]!);
  return [...all].filter((form) => form.length >= 8);
}

/** Fails naming the first text that holds a secret (never printing the secret itself). */
export function expectNoSecrets(texts: Iterable<string>, secrets: Iterable<string>): void {
  const needles = [...secrets]
    .filter((s) => s !== "")
    .flatMap((secret, i) => forms(secret).map((f) => ({ f, i })));
  expect(needles.length).toBeGreaterThan(0);
  let scanned = 0;
  for (const text of texts) {
    scanned++;
    for (const { f, i } of needles) {
      if (text.includes(f)) {
        const at = text.indexOf(f);
        expect.fail(
          `secret #${i} appears in: ${text.slice(Math.max(0, at - 120), at)}[SECRET]${text.slice(at + f.length, at + f.length + 120)}`,
        );
      }
    }
  }
  expect(scanned).toBeGreaterThan(0);
}
