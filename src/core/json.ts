import { CoreError } from "./errors.js";
import { nextTurn } from "./turns.js";

/**
 * JSON (RFC 8259) read a slice at a time. `JSON.parse` holds the event loop for as long as the text
 * takes, and some texts take long for their size: here, half a megabyte of one object's keys costs V8
 * 60 ms, and 600 KiB of small objects each with a key of its own 250 ms (issue 22). A server reading
 * hostile bodies (the admission webhook) parses with `parseJsonInTurns` instead, which reads at most
 * JSON_SLICE_UNITS of work per event-loop turn (`nextTurn`), so probes and other requests run between
 * slices whatever the body holds. Nothing recurses, so nesting costs no stack.
 *
 * The value is what `JSON.parse` returns for the same text (plain objects and arrays, the last of
 * duplicate keys wins), with the guards Fastify's own parser applies: a key `__proto__` is refused, and
 * so is a key `constructor` whose value has a `prototype` (prototype poisoning), so values can be
 * assigned to plain objects safely. A leading byte order mark is skipped, as Fastify does.
 *
 * Members of one object or array past `maxMembers` are read but dropped, and the document says so
 * (`overflow`), rather than the text being refused: a caller that must not act on part of a document
 * (the webhook denies the workload) still has the rest, such as the review's uid, to answer with.
 */

export interface JsonLimits {
  /** Deepest nesting of arrays and objects (default 10,000: far deeper than any Kubernetes object). */
  readonly maxDepth?: number;
  /**
   * Most members of one object, or elements of one array, kept (default 100,000): an object's hash
   * table doubling, and whoever counts its keys afterwards (admission/limits.ts), then cost
   * milliseconds. Past it members are dropped and the document's `overflow` says why.
   */
  readonly maxMembers?: number;
}

export interface JsonDocument {
  readonly value: unknown;
  /** Set when members past `maxMembers` were dropped: the value is not the whole text's. */
  readonly overflow?: string;
}

export const DEFAULT_JSON_LIMITS: Required<JsonLimits> = { maxDepth: 10_000, maxMembers: 100_000 };

/**
 * Work per slice: a unit is one token (a value, a key, a comma, an escape) or 256 characters of a
 * string, a number or whitespace (a long run is matched by one linear regular expression and counted
 * after it). Here a slice of the costliest shape (objects each with a key new to V8's hidden classes)
 * takes 0.8 ms of CPU, most shapes 0.1 to 0.5 ms. One slice in a few costs more when an object's
 * hash table doubles, in proportion to its keys: 4 ms at 45,000 keys, 9 ms at 90,000 (so maxMembers).
 */
export const JSON_SLICE_UNITS = 4096;

/** What the reader expects next. */
const Expect = {
  Value: 0,
  /** A value or `]` (just after `[`). */
  ValueOrEnd: 1,
  /** A key or `}` (just after `{`). */
  KeyOrEnd: 2,
  Key: 3,
  Colon: 4,
  /** `,` or the container's end; at the top level, only whitespace. */
  Next: 5,
  /** Inside a string (a key or a value). */
  String: 6,
  Done: 7,
} as const;
type Expect = (typeof Expect)[keyof typeof Expect];

interface Frame {
  readonly container: unknown[] | Record<string, unknown>;
  key: string | undefined;
  members: number;
}

const WHITESPACE = /[ \t\n\r]*/y;
/** A run of characters a string may hold as they are: not `"`, `\` or a control character. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON strings may not hold them raw (RFC 8259 §7)
const PLAIN = /[^"\\\u0000-\u001f]*/y;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const HEX4 = /[0-9a-fA-F]{4}/y;
const ESCAPES: Record<string, string> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};
/** Characters of a string looked at one by one before PLAIN takes over (faster for short strings). */
const SHORT_RUN = 32;
/** Decoded pieces of one string kept before they are joined, so a long string never becomes a deep rope. */
const PIECES_PER_JOIN = 1024;

function invalid(message: string): CoreError {
  return new CoreError("JSON_INVALID", `invalid JSON: ${message}`);
}

function isObject(value: unknown): value is object {
  return typeof value === "object" && value !== null;
}

/** A resumable JSON reader: `read(units)` until it returns true, then `value`. */
export class JsonReader {
  readonly #text: string;
  readonly #limits: Required<JsonLimits>;
  readonly #stack: Frame[] = [];
  #pos = 0;
  #expect: Expect = Expect.Value;
  #value: unknown;
  // The string being read: where its current run of plain characters starts, what came before it.
  #stringIsKey = false;
  #runStart = 0;
  #decoded = "";
  #pieces: string[] = [];
  #overflow: string | undefined;

  constructor(text: string, limits: JsonLimits = {}) {
    this.#text = text;
    this.#limits = { ...DEFAULT_JSON_LIMITS, ...limits };
    if (text.charCodeAt(0) === 0xfeff) this.#pos = 1;
  }

  get done(): boolean {
    return this.#expect === Expect.Done;
  }

  /** Why members were dropped (past `maxMembers`), or undefined when the value is the whole text's. */
  get overflow(): string | undefined {
    return this.#overflow;
  }

  /** The parsed value; only once `read` has returned true. */
  get value(): unknown {
    if (!this.done) throw new CoreError("INVALID_ARGUMENT", "the JSON text is not read to its end yet");
    return this.#value;
  }

  /** Reads on until the text ends or `units` of work are spent; true once the value is complete. */
  read(units: number): boolean {
    if (this.done) return true;
    const text = this.#text;
    let left = units;
    while (left > 0) {
      left--;
      if (this.#expect === Expect.String) {
        left -= this.#readString();
        continue;
      }
      if (text.charCodeAt(this.#pos) <= 0x20) {
        WHITESPACE.lastIndex = this.#pos;
        WHITESPACE.test(text);
        left -= (WHITESPACE.lastIndex - this.#pos) >> 8;
        this.#pos = WHITESPACE.lastIndex;
      }
      if (this.#pos >= text.length) {
        if (this.#expect === Expect.Next && this.#stack.length === 0) {
          this.#expect = Expect.Done;
          return true;
        }
        throw invalid("unexpected end of the text");
      }
      const c = text[this.#pos] as string;
      switch (this.#expect) {
        case Expect.Value:
        case Expect.ValueOrEnd:
          if (c === "]" && this.#expect === Expect.ValueOrEnd) this.#close();
          else left -= this.#startValue(c);
          break;
        case Expect.KeyOrEnd:
        case Expect.Key:
          if (c === "}" && this.#expect === Expect.KeyOrEnd) this.#close();
          else if (c === '"') this.#startString(true);
          else throw this.#unexpected("a key");
          break;
        case Expect.Colon:
          if (c !== ":") throw this.#unexpected('":"');
          this.#pos++;
          this.#expect = Expect.Value;
          break;
        case Expect.Next:
          this.#next(c);
          break;
        default:
          throw this.#unexpected("the end of the text");
      }
    }
    return false;
  }

  #unexpected(wanted: string): CoreError {
    const c = this.#text.codePointAt(this.#pos) ?? 0;
    return invalid(
      `expected ${wanted} at position ${this.#pos}, found ${JSON.stringify(String.fromCodePoint(c))}`,
    );
  }

  /** A value starting with `c`; returns the extra units it cost. */
  #startValue(c: string): number {
    const text = this.#text;
    switch (c) {
      case "{":
      case "[": {
        if (this.#stack.length >= this.#limits.maxDepth) {
          throw new CoreError("JSON_LIMIT", `JSON nests deeper than ${this.#limits.maxDepth} levels`);
        }
        this.#stack.push({ container: c === "{" ? {} : [], key: undefined, members: 0 });
        this.#pos++;
        this.#expect = c === "{" ? Expect.KeyOrEnd : Expect.ValueOrEnd;
        return 0;
      }
      case '"':
        this.#startString(false);
        return 0;
      case "t":
      case "f":
      case "n": {
        const word = c === "t" ? "true" : c === "f" ? "false" : "null";
        if (!text.startsWith(word, this.#pos)) throw this.#unexpected("a value");
        this.#pos += word.length;
        this.#emit(c === "t" ? true : c === "f" ? false : null);
        return 0;
      }
      default: {
        NUMBER.lastIndex = this.#pos;
        if (!NUMBER.test(text)) throw this.#unexpected("a value");
        const end = NUMBER.lastIndex;
        const value = Number(text.slice(this.#pos, end));
        const units = (end - this.#pos) >> 8;
        this.#pos = end;
        this.#emit(value);
        return units;
      }
    }
  }

  #next(c: string): void {
    const top = this.#stack[this.#stack.length - 1];
    if (top === undefined) throw this.#unexpected("the end of the text");
    const isArray = Array.isArray(top.container);
    if (c === ",") {
      this.#pos++;
      this.#expect = isArray ? Expect.Value : Expect.Key;
    } else if (c === (isArray ? "]" : "}")) {
      this.#close();
    } else {
      throw this.#unexpected(isArray ? '"," or "]"' : '"," or "}"');
    }
  }

  #close(): void {
    this.#pos++;
    this.#emit((this.#stack.pop() as Frame).container);
  }

  #startString(isKey: boolean): void {
    this.#pos++;
    this.#stringIsKey = isKey;
    this.#runStart = this.#pos;
    this.#decoded = "";
    this.#pieces = [];
    this.#expect = Expect.String;
  }

  /** Reads on inside a string up to its end or its next escape; returns the extra units it cost. */
  #readString(): number {
    const text = this.#text;
    // Most strings are short: look at a few characters before handing a long run to the expression.
    let stop = this.#pos;
    const end = Math.min(text.length, stop + SHORT_RUN);
    for (let c = text.charCodeAt(stop); stop < end && c !== 0x22 && c !== 0x5c && c >= 0x20; ) {
      c = text.charCodeAt(++stop);
    }
    if (stop === end && end < text.length) {
      PLAIN.lastIndex = stop;
      PLAIN.test(text);
      stop = PLAIN.lastIndex;
    }
    const units = (stop - this.#pos) >> 8;
    this.#pos = stop;
    if (stop >= text.length) throw invalid("a string is not closed before the end of the text");
    const c = text[stop] as string;
    if (c === '"') {
      const value = this.#decoded + this.#pieces.join("") + text.slice(this.#runStart, stop);
      this.#decoded = "";
      this.#pieces = [];
      this.#pos = stop + 1;
      if (this.#stringIsKey) this.#key(value);
      else this.#emit(value);
      return units;
    }
    if (c !== "\\") {
      throw invalid(
        `a control character (U+${c.charCodeAt(0).toString(16).padStart(4, "0")}) in a string at position ${stop}`,
      );
    }
    if (stop > this.#runStart) this.#pieces.push(text.slice(this.#runStart, stop));
    const e = text[stop + 1];
    if (e === "u") {
      HEX4.lastIndex = stop + 2;
      if (!HEX4.test(text)) throw invalid(`a \\u escape without four hex digits at position ${stop}`);
      this.#pieces.push(String.fromCharCode(Number.parseInt(text.slice(stop + 2, stop + 6), 16)));
      this.#pos = stop + 6;
    } else {
      const decoded = e === undefined ? undefined : ESCAPES[e];
      if (decoded === undefined) throw invalid(`an invalid escape at position ${stop}`);
      this.#pieces.push(decoded);
      this.#pos = stop + 2;
    }
    if (this.#pieces.length >= PIECES_PER_JOIN) {
      this.#decoded += this.#pieces.join("");
      this.#pieces = [];
    }
    this.#runStart = this.#pos;
    return units;
  }

  #key(key: string): void {
    if (key === "__proto__") throw invalid(`the key "__proto__" is refused (prototype poisoning)`);
    (this.#stack[this.#stack.length - 1] as Frame).key = key;
    this.#expect = Expect.Colon;
  }

  /** A complete value: the top-level result, or a member of the open container. */
  #emit(value: unknown): void {
    this.#expect = Expect.Next;
    const top = this.#stack[this.#stack.length - 1];
    if (top === undefined) {
      this.#value = value;
      return;
    }
    const isArray = Array.isArray(top.container);
    const key = top.key as string;
    if (!isArray && key === "constructor" && isObject(value) && Object.hasOwn(value, "prototype")) {
      throw invalid(`a "constructor" with a "prototype" is refused (prototype poisoning)`);
    }
    if (++top.members > this.#limits.maxMembers) {
      const max = this.#limits.maxMembers;
      this.#overflow ??= `a JSON ${isArray ? "array" : "object"} has more than ${max} members (the rest were not kept)`;
      return;
    }
    if (isArray) (top.container as unknown[]).push(value);
    else (top.container as Record<string, unknown>)[key] = value;
  }
}

/**
 * `JSON.parse(text)`, read a slice per event-loop turn (see above), with `overflow` when members past
 * `maxMembers` were dropped. Throws CoreError JSON_INVALID for text that is not JSON (or poisons
 * prototypes), JSON_LIMIT for nesting deeper than `maxDepth`.
 */
export async function parseJsonInTurns(text: string, limits: JsonLimits = {}): Promise<JsonDocument> {
  const reader = new JsonReader(text, limits);
  do await nextTurn();
  while (!reader.read(JSON_SLICE_UNITS));
  return reader.overflow === undefined
    ? { value: reader.value }
    : { value: reader.value, overflow: reader.overflow };
}
