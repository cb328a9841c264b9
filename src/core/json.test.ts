import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isPortcullisError } from "./errors.js";
import { JSON_SLICE_UNITS, type JsonLimits, JsonReader, parseJsonInTurns } from "./json.js";

/** Reads `text` to its end, `units` at a time; returns the value and how many reads it took. */
function readAll(text: string, units: number, limits?: JsonLimits): { value: unknown; reads: number } {
  const reader = new JsonReader(text, limits);
  let reads = 1;
  while (!reader.read(units)) reads++;
  return { value: reader.value, reads };
}

function codeOf(body: () => unknown): string | undefined {
  try {
    body();
    return undefined;
  } catch (err) {
    if (!isPortcullisError(err)) throw err;
    return err.code;
  }
}

/** JSON.parse's outcome, with the two refusals Fastify's parser adds (prototype poisoning). */
function reference(text: string): { value: unknown } | "invalid" {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "invalid";
  }
  // JSON.parse keeps a "__proto__" key as an own property; the reader refuses it, as Fastify does.
  return /"__proto__"|"constructor"/.test(text) ? "invalid" : { value };
}

describe("JsonReader", () => {
  it("reads what JSON.parse reads, however the work is sliced", () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ stringUnit: "binary" }),
        fc.constantFrom(undefined, 1, "\t", " \r\n "),
        fc.integer({ min: 1, max: 7 }),
        (value, space, units) => {
          const text = JSON.stringify(value, null, space);
          const expected = reference(text);
          fc.pre(expected !== "invalid");
          expect(readAll(text, units).value).toStrictEqual(expected.value);
        },
      ),
    );
  });

  it("refuses what JSON.parse refuses, and only that", () => {
    const alphabet = [...'{}[],:"\\ \t\n0123456789.-+eEtrufalsn/bu\u0001\u00e9'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 24 }), (chars) => {
        const text = chars.join("");
        const expected = reference(text);
        if (expected === "invalid") expect(codeOf(() => readAll(text, 3))).toBe("JSON_INVALID");
        else expect(readAll(text, 3).value).toStrictEqual(expected.value);
      }),
    );
  });

  it.each([
    ["a number", "-12.5e-3", -0.0125],
    ["-0", "-0", -0],
    ["a huge exponent", "1e400", Number.POSITIVE_INFINITY],
    ["escapes", '"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00"', '"\\/\b\f\n\r\té😀'],
    ["a lone surrogate escape", '"\\udc00x"', "\udc00x"],
    ["a byte order mark before the text (skipped, as Fastify does)", '\ufeff{"a":1}', { a: 1 }],
    ["duplicate keys (the last wins)", '{"a":1,"b":2,"a":3}', { a: 3, b: 2 }],
    ["whitespace around everything", ' \n[ 1 , { "a" : [ ] } ]\t', [1, { a: [] }]],
  ])("reads %s", (_name, text, value) => {
    expect(readAll(text, 1).value).toStrictEqual(value);
    expect(JSON.parse(text.replace(/^\ufeff/, ""))).toStrictEqual(value);
  });

  it("keeps a constructor key without a prototype, as an own property", () => {
    const value = readAll('{"constructor":{"name":"x"}}', 1).value as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.hasOwn(value, "constructor")).toBe(true);
    expect(value.constructor).toEqual({ name: "x" });
  });

  it.each([
    ["empty text", ""],
    ["only whitespace", "  \n"],
    ["a trailing comma", "[1,]"],
    ["two values", "1 2"],
    ["a leading zero", "01"],
    ["a bare minus", "-"],
    ["a control character in a string", '"a\u0001"'],
    ["a bad escape", '"\\x41"'],
    ["a short \\u escape", '"\\u12"'],
    ["an unclosed string", '"abc'],
    ["an unclosed array", "[1, 2"],
    ["a key that is not a string", "{a:1}"],
    ["a __proto__ key", '{"__proto__":{"polluted":true}}'],
    ["a nested __proto__ key", '{"a":[{"__proto__":1}]}'],
    ["a constructor with a prototype", '{"a":{"constructor":{"prototype":{"polluted":true}}}}'],
  ])("refuses %s with JSON_INVALID", (_name, text) => {
    expect(codeOf(() => readAll(text, 2))).toBe("JSON_INVALID");
  });

  it("refuses nesting past maxDepth with JSON_LIMIT (by default 10,000 levels)", () => {
    expect(readAll("[[[1]]]", 2, { maxDepth: 3 }).value).toEqual([[[1]]]);
    expect(codeOf(() => readAll("[[[[1]]]]", 2, { maxDepth: 3 }))).toBe("JSON_LIMIT");
    expect(codeOf(() => readAll(`${"[".repeat(10_001)}${"]".repeat(10_001)}`, JSON_SLICE_UNITS))).toBe(
      "JSON_LIMIT",
    );
  });

  it("drops members past maxMembers, reading on, and says so (by default 100,000)", () => {
    function read(text: string, limits?: JsonLimits) {
      const reader = new JsonReader(text, limits);
      while (!reader.read(JSON_SLICE_UNITS));
      return { value: reader.value, overflow: reader.overflow };
    }
    expect(read('{"a":1,"b":2}', { maxMembers: 2 })).toEqual({ value: { a: 1, b: 2 }, overflow: undefined });
    const objects = read('{"uid":"u","labels":{"a":1,"b":2,"c":3},"after":[1,2,3]}', { maxMembers: 2 });
    // Every container keeps its first two members; what follows the overflowing one is read on.
    expect(objects.value).toEqual({ uid: "u", labels: { a: 1, b: 2 } });
    expect(objects.overflow).toMatch(/object has more than 2 members/);
    const array = read(`{"uid":"u","args":[${"0,".repeat(100_000)}0]}`);
    expect((array.value as { uid: string; args: number[] }).args).toHaveLength(100_000);
    expect((array.value as { uid: string }).uid).toBe("u");
    expect(array.overflow).toMatch(/array has more than 100000 members/);
    // Poisoning is refused wherever it sits, kept or not.
    expect(codeOf(() => read('{"a":1,"constructor":{"prototype":{}}}', { maxMembers: 1 }))).toBe(
      "JSON_INVALID",
    );
  });

  it("reads nesting far deeper than the call stack allows", () => {
    const { value } = readAll(`${"[".repeat(9_000)}"x"${"]".repeat(9_000)}`, JSON_SLICE_UNITS);
    let depth = 0;
    for (let v = value; Array.isArray(v); v = v[0]) depth++;
    expect(depth).toBe(9_000);
  });

  it("counts long strings, numbers and whitespace by their length, so one read stays short", () => {
    // About 200 tokens: one read of 256 units, unless a string, a number or whitespace is long
    // (a unit per 256 characters): then the read ends after it.
    const zeros = Array.from({ length: 100 }, () => 0);
    expect(readAll(JSON.stringify(["x", ...zeros]), 256).reads).toBe(1);
    expect(readAll(JSON.stringify(["x".repeat(1 << 20), ...zeros]), 256).reads).toBeGreaterThan(1);
    expect(readAll(`[${"1".repeat(1 << 20)},${zeros.join(",")}]`, 256).reads).toBeGreaterThan(1);
    expect(readAll(`[${" ".repeat(1 << 20)}${zeros.join(",")}]`, 256).reads).toBeGreaterThan(1);
    // 10,000 objects of a key each: five tokens an object, so at least 50,000 / units reads.
    const objects = JSON.stringify(Array.from({ length: 10_000 }, (_, i) => ({ [`k${i}`]: i })));
    expect(readAll(objects, 1000).reads).toBeGreaterThanOrEqual(50);
  });
});

describe("parseJsonInTurns", () => {
  it("reads a slice per event-loop turn, letting other work run between them", async () => {
    const text = JSON.stringify(Array.from({ length: 30_000 }, (_, i) => ({ [`turns${i}`]: i })));
    let ticks = 0;
    let ticking = true;
    const tick = () => {
      ticks++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const document = await parseJsonInTurns(text);
    ticking = false;
    expect(document).toStrictEqual({ value: JSON.parse(text) });
    // 150,000 tokens at JSON_SLICE_UNITS a slice, with the ticker's turns between them.
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(150_000 / JSON_SLICE_UNITS));
  });

  it("rejects with the reader's error", async () => {
    await expect(parseJsonInTurns('{"__proto__":{}}')).rejects.toMatchObject({ code: "JSON_INVALID" });
    await expect(parseJsonInTurns("[1,")).rejects.toMatchObject({ code: "JSON_INVALID" });
  });
});
