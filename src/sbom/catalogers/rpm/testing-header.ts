/** Test helper: rpm header blobs built from a list of tags, for tests that need headers rpm never wrote. */
export type Field = [tag: number, type: number, value: string | string[] | number[]];

/** Builds a header blob as rpmdb stores it: il, dl, index entries, data (all big-endian). */
export function buildHeader(fields: Field[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  const index: Array<[number, number, number, number]> = [];
  let offset = 0;
  for (const [tag, type, value] of fields) {
    let bytes: Uint8Array;
    let count = 1;
    if (type === 4) {
      const numbers = value as number[];
      // INT32 data is 4-byte aligned in real headers.
      const pad = (4 - (offset % 4)) % 4;
      if (pad) {
        chunks.push(new Uint8Array(pad));
        offset += pad;
      }
      bytes = new Uint8Array(numbers.length * 4);
      const view = new DataView(bytes.buffer);
      for (const [i, n] of numbers.entries()) view.setUint32(i * 4, n);
      count = numbers.length;
    } else {
      const strings = typeof value === "string" ? [value] : (value as string[]);
      bytes = new TextEncoder().encode(strings.map((s) => `${s}\0`).join(""));
      count = strings.length;
    }
    index.push([tag, type, offset, count]);
    chunks.push(bytes);
    offset += bytes.length;
  }
  const blob = new Uint8Array(8 + index.length * 16 + offset);
  const view = new DataView(blob.buffer);
  view.setUint32(0, index.length);
  view.setUint32(4, offset);
  index.forEach(([tag, type, at, count], i) => {
    view.setInt32(8 + i * 16, tag);
    view.setUint32(12 + i * 16, type);
    view.setInt32(16 + i * 16, at);
    view.setUint32(20 + i * 16, count);
  });
  let at = 8 + index.length * 16;
  for (const chunk of chunks) {
    blob.set(chunk, at);
    at += chunk.length;
  }
  return blob;
}
