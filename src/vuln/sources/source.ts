import type { AdvisoryDatabase } from "../db/database.js";
import type { UpdateOptions } from "./osv/download.js";
import type { ImportOptions, ImportSummary } from "./osv/import.js";

/**
 * A feed of advisories (DESIGN.md: `vuln/sources/<source>/`): import from local files for an
 * air-gapped machine, or download when online. Both end in one transaction on the database.
 */
export interface AdvisorySource {
  readonly id: string;
  importFrom(db: AdvisoryDatabase, paths: string | string[], options?: ImportOptions): Promise<ImportSummary>;
  update(db: AdvisoryDatabase, options: UpdateOptions): Promise<ImportSummary>;
}
