import { readFileSync } from "node:fs";
import { OciError } from "../errors.js";

/** Helpers for the oci tests; excluded from the build (src/**\/testing/**). */

export type Json = Record<string, unknown>;

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`../testdata/${name}`, import.meta.url)));
}

export function fixtureJson(name: string): Json {
  const value: unknown = JSON.parse(new TextDecoder().decode(fixture(name)));
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new Error(`${name}: not an object`);
  return { ...value };
}

export function encode(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

export function text(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

function objects(value: unknown): Json[] {
  if (!Array.isArray(value)) throw new Error("fixture: expected an array");
  return value.map((item: unknown) => {
    if (typeof item !== "object" || item === null) throw new Error("fixture: expected objects");
    return item as Json;
  });
}

/** The OCI image manifest fixture, changed by `edit` (which gets the document, its config and its layers). */
export function imageWith(edit: (doc: Json, config: Json, layers: Json[]) => void): Uint8Array {
  const doc = fixtureJson("oci-image-manifest.json");
  const config = doc.config as Json;
  const layers = objects(doc.layers);
  doc.layers = layers;
  edit(doc, config, layers);
  return encode(doc);
}

/** The OCI index fixture, changed by `edit` (which gets the document and its manifests). */
export function indexWith(edit: (doc: Json, manifests: Json[]) => void): Uint8Array {
  const doc = fixtureJson("oci-index.json");
  const manifests = objects(doc.manifests);
  doc.manifests = manifests;
  edit(doc, manifests);
  return encode(doc);
}

/** Runs `fn` and returns the OciError it throws; fails when it throws something else or nothing. */
export function errorOf(fn: () => unknown): OciError {
  try {
    fn();
  } catch (err) {
    if (err instanceof OciError) return err;
    throw err;
  }
  throw new Error("expected an OciError, but nothing was thrown");
}
