import { z } from "zod";

/**
 * User keys (rule names, labels, annotations) must never meet Object.prototype: `{}["constructor"]`
 * is a function, and a `__proto__` key assigned into an object sets its prototype instead of a
 * property, so zod's `record` silently drops it. These helpers keep every key as data.
 */

/** The value stored under `key` itself, never one inherited from Object.prototype. */
export function ownValue<V>(record: Readonly<Record<string, V>> | undefined, key: string): V | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

function asMap(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Map)
    return value;
  return new Map(Object.entries(value));
}

/** A mapping of user keys to `value`s, read into a Map: every key kept, `__proto__` included. */
export function keyedMap<T extends z.ZodType>(value: T, error: string) {
  return z.preprocess(asMap, z.map(z.string(), value, { error }));
}

/**
 * A mapping of user keys as a plain object whose keys are all its own properties (Object.fromEntries
 * defines `__proto__` as a property rather than setting the prototype); read it with ownValue.
 */
export function ownRecord<T extends z.ZodType>(value: T, error?: string) {
  return keyedMap(value, error ?? "expected a mapping").transform(
    (map) => Object.fromEntries(map) as Record<string, z.output<T>>,
  );
}
