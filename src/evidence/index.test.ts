import { describe, expect, it } from "vitest";
import * as evidence from "./index.js";

describe("evidence/ public surface", () => {
  it("exports exactly these values", () => {
    expect(Object.keys(evidence).sort()).toEqual([
      "ANNOTATION_BASE_DIGEST",
      "ANNOTATION_BASE_NAME",
      "EvidenceCache",
      "EvidenceError",
      "baseImageOf",
      "gatherFacts",
      "readRelations",
      "requestDigestResolver",
    ]);
  });
});
