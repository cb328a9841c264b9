import { isPaged, useApi } from "../api";
import { Digest, Failure, Loading } from "../components/bits";
import { Pager } from "../components/pager";
import { type Column, DataTable } from "../components/table";
import { hrefWith, pageParam, useLocation, useQueryParam } from "../router";
import type { Package, PackagePage } from "../types";

const COLUMNS: readonly Column<Package>[] = [
  { key: "name", header: "Package", render: (p) => p.name },
  { key: "version", header: "Version", render: (p) => p.version },
  { key: "ecosystem", header: "Ecosystem", render: (p) => p.ecosystem },
  { key: "licenses", header: "Licenses", render: (p) => p.licenses.join(", ") || "–" },
  { key: "layer", header: "Layer", render: (p) => (p.layer ? <Digest value={p.layer} /> : "–") },
  { key: "paths", header: "Found at", render: (p) => <code className="wrap">{p.paths.join(", ")}</code> },
];

/** The SBOM as a table: search, one ecosystem at a time, the layer that brought each package. */
export default function PackagesTab({ api, platform }: { api: string; platform?: string | undefined }) {
  const location = useLocation();
  const [q, setQ] = useQueryParam("q");
  const [ecosystem, setEcosystem] = useQueryParam("ecosystem");
  const page = pageParam(location.query);
  const { data, error, loading } = useApi<PackagePage>(
    hrefWith(`${api}/packages`, { platform, q, ecosystem, page, perPage: 100 }),
    isPaged,
  );
  return (
    <>
      <div className="toolbar">
        <label>
          Search{" "}
          <input type="search" value={q} onChange={(event) => setQ(event.target.value, { replace: true })} />
        </label>
        <label>
          Ecosystem{" "}
          <select value={ecosystem} onChange={(event) => setEcosystem(event.target.value)}>
            <option value="">all</option>
            {data?.ecosystems.map((e) => (
              <option key={e.name} value={e.name}>
                {e.name} ({e.count})
              </option>
            ))}
          </select>
        </label>
        <span className="downloads">
          Download SBOM:{" "}
          <a href={hrefWith(`${api}/sbom`, { format: "cyclonedx", platform })} download>
            CycloneDX
          </a>{" "}
          ·{" "}
          <a href={hrefWith(`${api}/sbom`, { format: "spdx", platform })} download>
            SPDX
          </a>
        </span>
      </div>
      {error && <Failure error={error} what="the packages" />}
      {loading && !data && <Loading what="packages" />}
      {data && (
        <>
          <DataTable
            caption="Packages"
            columns={COLUMNS}
            rows={data.items}
            rowKey={(p) => `${p.ecosystem}\0${p.name}\0${p.version}\0${p.paths.join()}`}
            empty="No packages match."
          />
          <Pager total={data.total} page={data.page} perPage={data.perPage} />
        </>
      )}
    </>
  );
}
