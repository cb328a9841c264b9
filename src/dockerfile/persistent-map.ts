/**
 * An immutable string-keyed map whose `set` returns a new map sharing all but O(log n) nodes with the
 * old one (a hash array mapped trie, Bagwell 2001). The environment keeps one map per ARG/ENV
 * instruction; copying a whole Map each time made 20,000 ENV lines take gigabytes (issue 22).
 */

interface Leaf<V> {
  readonly kind: "leaf";
  readonly hash: number;
  readonly key: string;
  readonly value: V;
}

/** Keys whose 32-bit hashes are equal. */
interface Collision<V> {
  readonly kind: "collision";
  readonly hash: number;
  readonly leaves: readonly Leaf<V>[];
}

/** Children for the 5-bit hash slices present in `bitmap`, in slice order. */
interface Branch<V> {
  readonly kind: "branch";
  readonly bitmap: number;
  readonly children: readonly TrieNode<V>[];
}

type TrieNode<V> = Leaf<V> | Collision<V> | Branch<V>;

const BITS = 5;
const MASK = (1 << BITS) - 1;

/** FNV-1a over UTF-16 code units. */
function hashOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

function find<V>(node: TrieNode<V> | undefined, hash: number, key: string): Leaf<V> | undefined {
  for (let shift = 0; node !== undefined; shift += BITS) {
    if (node.kind === "leaf") return node.key === key ? node : undefined;
    if (node.kind === "collision") return node.leaves.find((l) => l.key === key);
    const bit = 1 << ((hash >>> shift) & MASK);
    if ((node.bitmap & bit) === 0) return undefined;
    node = node.children[popcount(node.bitmap & (bit - 1))];
  }
  return undefined;
}

/** Two leaves with different keys under one node at `shift`. */
function merge<V>(a: Leaf<V> | Collision<V>, b: Leaf<V>, shift: number): TrieNode<V> {
  if (a.hash === b.hash) {
    const leaves = a.kind === "leaf" ? [a, b] : [...a.leaves, b];
    return { kind: "collision", hash: b.hash, leaves };
  }
  const ia = (a.hash >>> shift) & MASK;
  const ib = (b.hash >>> shift) & MASK;
  if (ia === ib) return { kind: "branch", bitmap: 1 << ia, children: [merge(a, b, shift + BITS)] };
  const children = ia < ib ? [a, b] : [b, a];
  return { kind: "branch", bitmap: (1 << ia) | (1 << ib), children };
}

/** The node with `leaf` set; `added` says whether the key was new. */
function insert<V>(
  node: TrieNode<V> | undefined,
  leaf: Leaf<V>,
  shift: number,
  added: { value: boolean },
): TrieNode<V> {
  if (node === undefined) {
    added.value = true;
    return leaf;
  }
  if (node.kind === "leaf") {
    if (node.key === leaf.key) return leaf;
    added.value = true;
    return merge(node, leaf, shift);
  }
  if (node.kind === "collision") {
    if (node.hash !== leaf.hash) {
      added.value = true;
      return merge(node, leaf, shift);
    }
    const at = node.leaves.findIndex((l) => l.key === leaf.key);
    if (at < 0) added.value = true;
    const leaves = at < 0 ? [...node.leaves, leaf] : node.leaves.map((l, i) => (i === at ? leaf : l));
    return { kind: "collision", hash: node.hash, leaves };
  }
  const bit = 1 << ((leaf.hash >>> shift) & MASK);
  const at = popcount(node.bitmap & (bit - 1));
  const children = [...node.children];
  if ((node.bitmap & bit) === 0) {
    added.value = true;
    children.splice(at, 0, leaf);
    return { kind: "branch", bitmap: node.bitmap | bit, children };
  }
  children[at] = insert(children[at], leaf, shift + BITS, added);
  return { kind: "branch", bitmap: node.bitmap, children };
}

export class PersistentMap<V> {
  static empty<V>(): PersistentMap<V> {
    return new PersistentMap<V>(undefined, 0);
  }

  private constructor(
    private readonly root: TrieNode<V> | undefined,
    readonly size: number,
  ) {}

  has(key: string): boolean {
    return find(this.root, hashOf(key), key) !== undefined;
  }

  get(key: string): V | undefined {
    return find(this.root, hashOf(key), key)?.value;
  }

  /** A map with `key` set to `value`; this one is unchanged. */
  set(key: string, value: V): PersistentMap<V> {
    const added = { value: false };
    const root = insert(this.root, { kind: "leaf", hash: hashOf(key), key, value }, 0, added);
    return new PersistentMap(root, this.size + (added.value ? 1 : 0));
  }
}
