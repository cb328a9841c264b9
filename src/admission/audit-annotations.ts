/**
 * Audit annotation keys. The API server prefixes each key of AdmissionResponse.auditAnnotations with
 * the webhook's name and a "/" and drops (with only a log line) any result that is not a valid
 * qualified name (k8s.io/apimachinery validation IsQualifiedName): the part after the prefix is at most
 * 63 characters of [A-Za-z0-9_.-], starting and ending with a letter or digit, and contains no "/".
 */

export const AUDIT_KEY_MAX_LENGTH = 63;
/** Values have no limit in the API, but audit backends do; a decision record stays readable below this. */
export const AUDIT_VALUE_MAX_LENGTH = 4096;

const QUALIFIED_NAME = /^[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

export function isValidAuditAnnotationKey(key: string): boolean {
  return key.length <= AUDIT_KEY_MAX_LENGTH && QUALIFIED_NAME.test(key);
}

/** The nearest valid key: other characters become "-", the ends are trimmed to alphanumerics, at most 63. */
export function toAuditAnnotationKey(key: string): string {
  if (isValidAuditAnnotationKey(key)) return key;
  const trimEnds = (s: string) => s.replace(/^[^A-Za-z0-9]+/, "").replace(/[^A-Za-z0-9]+$/, "");
  let out = trimEnds(key.replace(/[^-A-Za-z0-9_.]+/g, "-"));
  out = trimEnds(out.slice(0, AUDIT_KEY_MAX_LENGTH));
  return out === "" ? "annotation" : out;
}

function capValue(value: string): string {
  return value.length <= AUDIT_VALUE_MAX_LENGTH ? value : `${value.slice(0, AUDIT_VALUE_MAX_LENGTH - 1)}…`;
}

/**
 * Merges annotation sets into one map of valid keys; earlier sets win a key, and a later key that
 * sanitises onto a taken one gets a numeric suffix instead of overwriting it.
 */
export function mergeAuditAnnotations(...sets: Record<string, string>[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const set of sets) {
    for (const [raw, value] of Object.entries(set)) {
      const base = toAuditAnnotationKey(raw);
      let key = base;
      for (let n = 2; Object.hasOwn(out, key); n++) {
        const suffix = `-${n}`;
        key = `${base.slice(0, AUDIT_KEY_MAX_LENGTH - suffix.length).replace(/[^A-Za-z0-9]+$/, "")}${suffix}`;
      }
      out[key] = capValue(value);
    }
  }
  return out;
}
