import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";

/**
 * Test support: validators for the `definitions` of Grafeas's own grafeas.swagger.json (copied into
 * testdata/), so a test checks what the API sends against the document clients generate code from.
 * Swagger 2.0 definitions are JSON Schema draft 4 plus OpenAPI keywords; their `$ref`s
 * (`#/definitions/v1Note`) resolve inside the one document, added to Ajv under its own id.
 */
const SWAGGER = new URL("./testdata/grafeas.swagger.json", import.meta.url);
const ID = "grafeas.swagger.json";

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

function load(): Ajv {
  if (ajv) return ajv;
  const doc = JSON.parse(readFileSync(SWAGGER, "utf8")) as { definitions: Record<string, unknown> };
  ajv = new Ajv({ strict: false, allErrors: true });
  // Swagger's own formats: the numeric ones are carried by `type`, `byte` is base64 text.
  addFormats.default(ajv, ["date-time"]);
  for (const f of ["int32", "int64", "uint64", "float", "double"]) ajv.addFormat(f, true);
  ajv.addFormat("byte", /^[A-Za-z0-9+/]*={0,2}$/);
  ajv.addSchema({ $id: ID, definitions: doc.definitions });
  return ajv;
}

/** A validator for one definition (`v1Occurrence`, `v1ListOccurrencesResponse`, ...). */
export function swaggerValidator(definition: string): ValidateFunction {
  let v = compiled.get(definition);
  if (!v) {
    const a = load();
    v = a.compile({ $ref: `${ID}#/definitions/${definition}` });
    compiled.set(definition, v);
  }
  return v;
}

/** The validation errors of `value` against a definition, as readable lines; empty when it is valid. */
export function swaggerErrors(definition: string, value: unknown): string[] {
  const v = swaggerValidator(definition);
  if (v(value)) return [];
  return (v.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? "invalid"}`);
}
