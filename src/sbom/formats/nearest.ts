/**
 * Among the packages of one name, the one whose location shares the longest prefix with a given
 * path (ties to the lowest package index), the asker excluded: the question resolveDependencies asks
 * once per dependency edge. Scanning every copy per edge made n copies of a name that depend on it
 * cost n² (20,000 copies took 23 s); here the copies are sorted by path once, and each question costs
 * a few binary searches and a range minimum.
 *
 * Why that is the same answer: in a sorted list, the longest common prefix with a string is largest at
 * its neighbours (for x ≤ y ≤ q, lcp(x, q) = min(lcp(x, y), lcp(y, q))), and the strings that share
 * that prefix form one contiguous run, whose lowest package index a segment tree gives. Strings
 * compare by UTF-16 code units, both in `<` and in commonPrefixLength.
 */

/** Groups up to this size are scanned directly: cheaper than sorting, and the common case. */
const SCAN_BELOW = 16;

export function commonPrefixLength(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** The reference answer, by scanning: used for small groups (and by the tests, as the oracle). */
export function nearestByScan(
  members: readonly number[],
  pathOf: (index: number) => string,
  from: string,
  exclude: number,
): number | undefined {
  let best: number | undefined;
  let bestScore = -1;
  for (const j of members) {
    if (j === exclude) continue;
    const score = commonPrefixLength(from, pathOf(j));
    if (score > bestScore) {
      best = j;
      bestScore = score;
    }
  }
  return best;
}

export class NearestByPath {
  readonly #members: readonly number[];
  readonly #pathOf: (index: number) => string;
  /** Sorted by (path, index); built on the first question for groups of SCAN_BELOW or more. */
  #sorted?: { paths: string[]; positionOf: Map<number, number>; tree: Int32Array };

  /** `members`: package indexes in increasing order. */
  constructor(members: readonly number[], pathOf: (index: number) => string) {
    this.#members = members;
    this.#pathOf = pathOf;
  }

  nearest(from: string, exclude: number): number | undefined {
    if (this.#members.length < SCAN_BELOW) return nearestByScan(this.#members, this.#pathOf, from, exclude);
    const { paths, positionOf } = this.#index();
    const skip = positionOf.get(exclude) ?? -1;
    const at = lowerBound(paths, from, 0);
    let before = at - 1;
    if (before === skip) before--;
    let after = at;
    if (after === skip) after++;
    let shared = -1;
    if (before >= 0) shared = commonPrefixLength(from, paths[before]!);
    if (after < paths.length) shared = Math.max(shared, commonPrefixLength(from, paths[after]!));
    if (shared < 0) return undefined;
    const prefix = from.slice(0, shared);
    const lo = lowerBound(paths, prefix, 0);
    const hi = endOfPrefix(paths, prefix, lo);
    const best =
      skip >= lo && skip < hi
        ? Math.min(this.#minIndex(lo, skip), this.#minIndex(skip + 1, hi))
        : this.#minIndex(lo, hi);
    return best === Number.MAX_SAFE_INTEGER ? undefined : best;
  }

  #index() {
    if (this.#sorted) return this.#sorted;
    const order = this.#members.map((index) => ({ index, path: this.#pathOf(index) }));
    order.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.index - b.index));
    const n = order.length;
    const paths = order.map((o) => o.path);
    const positionOf = new Map(order.map((o, position) => [o.index, position] as const));
    // A bottom-up segment tree of minimum package indexes: leaves at n..2n-1.
    const tree = new Int32Array(2 * n);
    order.forEach((o, position) => {
      tree[n + position] = o.index;
    });
    for (let i = n - 1; i > 0; i--) tree[i] = Math.min(tree[2 * i]!, tree[2 * i + 1]!);
    this.#sorted = { paths, positionOf, tree };
    return this.#sorted;
  }

  /** The lowest package index at sorted positions [lo, hi); MAX_SAFE_INTEGER when empty. */
  #minIndex(lo: number, hi: number): number {
    const { tree } = this.#sorted!;
    const n = tree.length / 2;
    let best = Number.MAX_SAFE_INTEGER;
    for (let l = lo + n, r = hi + n; l < r; l >>= 1, r >>= 1) {
      if (l & 1) best = Math.min(best, tree[l++]!);
      if (r & 1) best = Math.min(best, tree[--r]!);
    }
    return best;
  }
}

/** The first position at or after `from` whose string is not below `value`. */
function lowerBound(sorted: readonly string[], value: string, from: number): number {
  let lo = from;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The end of the run of strings starting with `prefix` that begins at `start`. */
function endOfPrefix(sorted: readonly string[], prefix: string, start: number): number {
  let lo = start;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]!.startsWith(prefix)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
