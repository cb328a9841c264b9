import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { MerkleError } from "./errors.js";
import { consistencyProof, inclusionProof } from "./proof.js";
import { verifySubtreeInclusion } from "./subtree.js";
import { MemoryTree } from "./tree.js";
import { verifyConsistency, verifyInclusion } from "./verify.js";

/**
 * Every case of transparency-dev/merkle's testdata (copied in ../testdata/merkle, see NOTICE): each
 * happy path verifies and each tampered or out-of-range case is refused with a MerkleError.
 */
const ROOT = join(import.meta.dirname, "../testdata/merkle/transparency-dev");

interface Case {
  file: string;
  json: Record<string, unknown>;
}

function cases(folder: string): Case[] {
  const dir = join(ROOT, folder);
  const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".json"));
  return files.sort().map((file) => ({
    file: relative(ROOT, join(dir, file)),
    json: JSON.parse(readFileSync(join(dir, file), "utf8")) as Record<string, unknown>,
  }));
}

const bytes = (value: unknown): Uint8Array => Buffer.from(value as string, "base64");
const proof = (value: unknown): Uint8Array[] => ((value as string[] | null) ?? []).map(bytes);
const num = (value: unknown): number => value as number;

function outcome(check: () => void): "ok" | "refused" {
  try {
    check();
    return "ok";
  } catch (error) {
    expect(error).toBeInstanceOf(MerkleError);
    return "refused";
  }
}

const expected = (json: Record<string, unknown>) => (json.wantErr ? "refused" : "ok");

describe("transparency-dev Merkle test vectors", () => {
  const inclusion = cases("inclusion");
  const consistency = cases("consistency");
  const subtreeInclusion = cases("subtreeinclusion");

  it("holds every case (inclusion, consistency, subtree inclusion)", () => {
    expect([inclusion.length, consistency.length, subtreeInclusion.length]).toEqual([98, 98, 204]);
  });

  it.each(inclusion)("inclusion $file", ({ json }) => {
    const { leafIdx, treeSize, leafHash, root } = json;
    const check = () =>
      verifyInclusion(num(leafIdx), num(treeSize), bytes(leafHash), proof(json.proof), bytes(root));
    expect(outcome(check)).toBe(expected(json));
  });

  it.each(consistency)("consistency $file", ({ json }) => {
    const { size1, size2, root1, root2 } = json;
    const check = () =>
      verifyConsistency(num(size1), num(size2), bytes(root1), bytes(root2), proof(json.proof));
    expect(outcome(check)).toBe(expected(json));
  });

  it.each(subtreeInclusion)("subtree inclusion $file", ({ json }) => {
    const { leafIdx, start, end, leafHash, root } = json;
    const check = () =>
      verifySubtreeInclusion(
        num(leafIdx),
        num(start),
        num(end),
        bytes(leafHash),
        proof(json.proof),
        bytes(root),
      );
    expect(outcome(check)).toBe(expected(json));
  });

  // The vectors' trees are RFC 6962's reference tree of eight leaves; our generator must produce their proofs.
  const reference = new MemoryTree();
  for (const hex of [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
  ]) {
    reference.append(Buffer.from(hex, "hex"));
  }
  const happy = (list: Case[]) => list.filter(({ file }) => file.endsWith("/happy-path.json"));

  it.each(happy(inclusion))("generates the proof of $file", async ({ json }) => {
    const generated = await inclusionProof(reference, num(json.leafIdx), num(json.treeSize));
    expect(generated.map((h) => Buffer.from(h).toString("base64"))).toEqual(json.proof ?? []);
  });

  it.each(happy(consistency))("generates the proof of $file", async ({ json }) => {
    const generated = await consistencyProof(reference, num(json.size1), num(json.size2));
    expect(generated.map((h) => Buffer.from(h).toString("base64"))).toEqual(json.proof ?? []);
  });
});
