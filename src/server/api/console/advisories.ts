import { openAdvisoryDatabase, VulnError } from "../../../vuln/index.js";
import { ServerError } from "../../errors.js";
import { type IdentityRoute, openRoute } from "../identity/route.js";
import { AdvisoryStatus, Rescan } from "./schemas.js";

export const ADVISORY_ROUTES: readonly IdentityRoute[] = [
  openRoute({
    id: "advisoryStatus",
    method: "GET",
    path: "/api/v1/advisories",
    summary: "The advisory database: ecosystems, record counts, the archives imported and when",
    tag: "advisories",
    access: { kind: "signed-in" },
    response: AdvisoryStatus,
    handle: async ({ platform }) => {
      let database: ReturnType<typeof openAdvisoryDatabase>;
      try {
        database = openAdvisoryDatabase(platform.config.scan.advisoryDatabase);
      } catch (err) {
        if (err instanceof VulnError && err.code === "DATABASE_MISSING") {
          return { available: false, revision: null, updatedAt: null, ecosystems: [], sources: [] };
        }
        throw err;
      }
      try {
        const ecosystems = database.status();
        const sources = database.sources();
        const last = Math.max(0, ...ecosystems.map((e) => e.lastImport?.at.getTime() ?? 0));
        return {
          available: true,
          revision: database.revision(),
          updatedAt: last > 0 ? new Date(last).toISOString() : null,
          ecosystems: ecosystems.map((e) => ({
            name: e.ecosystem,
            records: e.records,
            importedAt: e.lastImport ? e.lastImport.at.toISOString() : null,
            source: e.lastImport?.source ?? null,
          })),
          sources: sources.map((s) => ({
            name: s.archive,
            ecosystem: s.ecosystem ?? null,
            importedAt: s.importedAt.toISOString(),
            records: s.records,
            sha256: s.sha256 ?? null,
          })),
        };
      } finally {
        database.close();
      }
    },
  }),
  openRoute({
    id: "rescanAll",
    method: "POST",
    path: "/api/v1/advisories/rescan",
    summary: "Queue a re-match of every stored SBOM against the advisory database as it is now",
    tag: "advisories",
    access: { kind: "permission", permission: "system.config" },
    response: Rescan,
    status: 202,
    handle: async ({ platform }) => {
      if (!platform.scanner) {
        throw new ServerError(
          "CONFLICT",
          "scan.onPush is off: this server keeps no scans to match again (set scan.onPush: true)",
        );
      }
      try {
        return { queued: await platform.scanner.requestRematchAll() };
      } catch (err) {
        if (err instanceof VulnError && err.code === "DATABASE_MISSING") {
          throw new ServerError("CONFLICT", err.message, { cause: err });
        }
        throw err;
      }
    },
  }),
];
