import { describe, expect, it } from "vitest";
import * as grafeas from "./index.js";

describe("grafeas/ public surface", () => {
  it("exports exactly these values", () => {
    expect(Object.keys(grafeas).sort()).toEqual([
      "ADVISORY_PROJECT",
      "ANALYSIS_NOTES",
      "ANALYSIS_PROJECT",
      "GrafeasError",
      "KIND_FIELD",
      "MAX_DETAIL_BYTES",
      "NOTE_KINDS",
      "RESERVED_PROJECTS",
      "advisoryNote",
      "advisoryNoteId",
      "analysisNote",
      "analysisNotes",
      "deriveOccurrences",
      "derivedOccurrenceId",
      "grafeasSeverity",
      "isGrafeasId",
      "matchesFilter",
      "noteName",
      "occurrenceName",
      "parseDerivedOccurrenceId",
      "parseFilter",
      "parseNoteName",
      "parseResourceUri",
      "projectOfRepository",
      "resourceUri",
      "validateNote",
      "validateOccurrence",
      "vulnerabilitySummary",
    ]);
  });
});
