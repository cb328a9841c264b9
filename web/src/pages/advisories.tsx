import { useState } from "react";
import { apiSend, useApi } from "../api";
import { Failure, KeyValues, Loading, PageTitle, Time } from "../components/bits";
import { type Column, DataTable } from "../components/table";
import { useSession } from "../session";
import type { AdvisoryDatabase } from "../types";

type Source = AdvisoryDatabase["sources"][number];
type Ecosystem = AdvisoryDatabase["ecosystems"][number];

const ECOSYSTEMS: readonly Column<Ecosystem>[] = [
  { key: "name", header: "Ecosystem", render: (e) => e.name },
  { key: "records", header: "Records", numeric: true, render: (e) => e.records.toLocaleString("en") },
];
const SOURCES: readonly Column<Source>[] = [
  { key: "name", header: "Source", render: (s) => s.name },
  { key: "imported", header: "Imported", render: (s) => <Time value={s.importedAt} /> },
  { key: "records", header: "Records", numeric: true, render: (s) => s.records.toLocaleString("en") },
];

/** The advisory database: what it holds, when it was last fed, and re-scanning every image against it. */
export default function AdvisoriesPage() {
  const session = useSession();
  const { data, error, loading } = useApi<AdvisoryDatabase>("/api/v1/advisories");
  const [outcome, setOutcome] = useState("");
  const rescan = async () => {
    try {
      const answer = await apiSend<{ queued: number }>("POST", "/api/v1/advisories/rescan");
      setOutcome(`Queued ${answer?.queued ?? 0} images for re-scanning.`);
    } catch (err) {
      setOutcome(`Could not queue the re-scan: ${(err as Error).message}`);
    }
  };
  return (
    <>
      <PageTitle>Advisory database</PageTitle>
      {error && <Failure error={error} what="the advisory database" />}
      {loading && !data && <Loading what="the advisory database" />}
      {data && (
        <>
          <KeyValues
            rows={[
              ["Revision", data.revision ?? "empty"],
              ["Last update", <Time key="u" value={data.updatedAt} />],
            ]}
          />
          {session.can("system.config") && (
            <p>
              <button type="button" onClick={rescan}>
                Re-scan every image
              </button>
            </p>
          )}
          <p role="status">{outcome}</p>
          <div className="two-columns">
            <DataTable
              caption="Ecosystems"
              columns={ECOSYSTEMS}
              rows={data.ecosystems}
              rowKey={(e) => e.name}
              empty="No advisories imported: run `portcullis db update`."
            />
            <DataTable
              caption="Sources"
              columns={SOURCES}
              rows={data.sources}
              rowKey={(s) => s.name}
              empty="No imports yet."
            />
          </div>
        </>
      )}
    </>
  );
}
