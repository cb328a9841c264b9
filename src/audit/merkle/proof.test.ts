import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MerkleError } from "./errors.js";
import { EMPTY_ROOT, leafHash, nodeHash } from "./hash.js";
import { consistencyProof, inclusionProof } from "./proof.js";
import { MemoryTree, rootHash } from "./tree.js";
import { verifyConsistency, verifyInclusion } from "./verify.js";

/** MTH straight from RFC 9162 §2.1.1's definition, as an independent reference for the stored tree. */
function referenceRoot(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leafHash(leaves[0]!);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(referenceRoot(leaves.slice(0, k)), referenceRoot(leaves.slice(k)));
}

function treeOf(n: number): { tree: MemoryTree; leaves: Uint8Array[] } {
  const tree = new MemoryTree();
  const leaves = Array.from({ length: n }, (_, i) => Buffer.from(`entry ${i}`));
  for (const leaf of leaves) tree.append(leaf);
  return { tree, leaves };
}

/**
 * One single-bit flip in each proof element, a copy each; the bit is drawn per run (`bit`, offset per
 * element), so across runs every bit position is tried without verifying 256 copies per element.
 */
function* bitFlips(proof: readonly Uint8Array[], bit: number): Generator<Uint8Array[]> {
  for (let element = 0; element < proof.length; element++) {
    const at = (bit + element * 37) % (proof[element]!.length * 8);
    const copy = proof.map((hash) => Uint8Array.from(hash));
    copy[element]![at >> 3]! ^= 1 << (at & 7);
    yield copy;
  }
}

function refused(check: () => void): boolean {
  try {
    check();
    return false;
  } catch (error) {
    if (!(error instanceof MerkleError)) throw error;
    return true;
  }
}

const sizes = fc
  .integer({ min: 1, max: 300 })
  .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 1, max: n }), fc.nat({ max: 255 })));

describe("Merkle proofs over a stored tree", () => {
  it("computes the roots of RFC 9162's definition for every size up to 70", async () => {
    const { tree, leaves } = treeOf(70);
    for (let n = 0; n <= 70; n++) {
      expect(Buffer.from(await rootHash(tree, n))).toEqual(Buffer.from(referenceRoot(leaves.slice(0, n))));
    }
  });

  it("proves every leaf of every tree, and no flipped bit survives", async () => {
    await fc.assert(
      fc.asyncProperty(sizes, async ([n, m, bit]) => {
        const { tree, leaves } = treeOf(n);
        const index = m - 1;
        const proof = await inclusionProof(tree, index, n);
        const root = await rootHash(tree, n);
        const leaf = leafHash(leaves[index]!);
        verifyInclusion(index, n, leaf, proof, root);
        for (const tampered of bitFlips(proof, bit)) {
          expect(refused(() => verifyInclusion(index, n, leaf, tampered, root))).toBe(true);
        }
        expect(refused(() => verifyInclusion(index, n, leaf, [...proof, root], root))).toBe(true);
        if (proof.length > 0)
          expect(refused(() => verifyInclusion(index, n, leaf, proof.slice(1), root))).toBe(true);
        if (n > 1) expect(refused(() => verifyInclusion((index + 1) % n, n, leaf, proof, root))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("proves every prefix consistent with every larger tree, and no flipped bit survives", async () => {
    await fc.assert(
      fc.asyncProperty(sizes, async ([n, m, bit]) => {
        const { tree } = treeOf(n);
        const proof = await consistencyProof(tree, m, n);
        const [root1, root2] = [await rootHash(tree, m), await rootHash(tree, n)];
        verifyConsistency(m, n, root1, root2, proof);
        for (const tampered of bitFlips(proof, bit)) {
          expect(refused(() => verifyConsistency(m, n, root1, root2, tampered))).toBe(true);
        }
        if (m < n) {
          expect(refused(() => verifyConsistency(m, n, root2, root1, proof))).toBe(true);
          expect(refused(() => verifyConsistency(m, n, root1, root2, proof.slice(0, -1)))).toBe(true);
          const other = await rootHash(tree, m === 1 ? 2 : m - 1);
          expect(refused(() => verifyConsistency(m, n, other, root2, proof))).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("refuses to prove what the log does not hold", async () => {
    const { tree } = treeOf(5);
    await expect(inclusionProof(tree, 5, 5)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(inclusionProof(tree, 0, 6)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(consistencyProof(tree, 0, 5)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(consistencyProof(tree, 4, 3)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(inclusionProof(tree, 0.5, 3)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });

  it("reads at most 2·log2(n) stored subtrees for a proof in a large log, in one batch", async () => {
    const { tree } = treeOf(5_000);
    const asked: number[] = [];
    const counting = {
      size: tree.size,
      subtreeHashes: (subtrees: Parameters<MemoryTree["subtreeHashes"]>[0]) => {
        asked.push(subtrees.length);
        return tree.subtreeHashes(subtrees);
      },
    };
    await inclusionProof(counting, 3_333, 4_999);
    await consistencyProof(counting, 1_234, 4_999);
    expect(asked).toHaveLength(2);
    for (const count of asked) expect(count).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(5_000)));
  });
});
