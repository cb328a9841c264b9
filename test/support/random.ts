/**
 * A seeded pseudo-random source for tests that pick sizes, orders and delays at random: the same seed
 * draws the same run, so a failure can be replayed. The seed is PORTCULLIS_TEST_SEED when set, else a
 * fixed one; a test names its own `stream` so that adding draws to one test does not shift another's.
 * (mulberry32: tiny and well distributed enough for picking test inputs; not for anything secret.)
 */
export function seededRandom(stream: string): () => number {
  const base = Number(process.env.PORTCULLIS_TEST_SEED ?? 20_261_207);
  if (!Number.isSafeInteger(base)) throw new Error(`PORTCULLIS_TEST_SEED must be an integer, not ${base}`);
  let state = base >>> 0;
  for (const char of stream) state = Math.imul(state ^ char.charCodeAt(0), 0x9e3779b1) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
