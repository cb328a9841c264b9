import type { AdvisorySource } from "../source.js";
import { updateOsv } from "./download.js";
import { importOsv } from "./import.js";

/** OSV (https://osv.dev): JSON records, folders of them, and the per-ecosystem `all.zip` archives. */
export const osvSource: AdvisorySource = {
  id: "osv",
  importFrom: importOsv,
  update: updateOsv,
};
