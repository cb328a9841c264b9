import { lazy, Suspense } from "react";
import { manifestApi, useApi } from "../api";
import { Digest, Failure, Loading, PageTitle, SeverityBadges } from "../components/bits";
import { Tabs } from "../components/tabs";
import { DecisionsTab } from "../image/decisions-tab";
import { LayersTab } from "../image/layers-tab";
import { OverviewTab } from "../image/overview-tab";
import { SupplyChainTab } from "../image/supply-chain-tab";
import { hrefWith, Link, repositoryPath, updateQuery, useLocation } from "../router";
import type { ImageOverview } from "../types";

const PackagesTab = lazy(() => import("../image/packages-tab"));
const VulnerabilitiesTab = lazy(() => import("../image/vulnerabilities-tab"));

export const IMAGE_TABS = [
  { id: "overview", title: "Overview" },
  { id: "layers", title: "Layers" },
  { id: "packages", title: "Packages" },
  { id: "vulnerabilities", title: "Vulnerabilities" },
  { id: "supply-chain", title: "Supply chain" },
  { id: "decisions", title: "Decisions" },
] as const;

/**
 * One image, the whole chain on one page. Two round trips at most: the overview (which also carries
 * the layers, the supply chain and the latest decision), then the selected tab's own list (packages,
 * findings or decisions), whose request starts as soon as the overview has said which platform image
 * is shown.
 */
export default function ImagePage({ name, digest }: { name: string; digest: string }) {
  const location = useLocation();
  const tab = IMAGE_TABS.some((t) => t.id === location.query.get("tab"))
    ? location.query.get("tab")!
    : "overview";
  const platform = location.query.get("platform") ?? undefined;
  const base = manifestApi(name, digest);
  const { data, error, loading } = useApi<ImageOverview>(hrefWith(base, { platform }));
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/repositories">Repositories</Link> / <Link to={repositoryPath(name)}>{name}</Link> /{" "}
        <Digest value={digest} /> ·{" "}
        <Link to={hrefWith("/timeline", { image: `${name}@${digest}` })}>Timeline</Link>
      </nav>
      <PageTitle
        sub={
          data ? (
            <span className="title-facts">
              {data.tags.length
                ? data.tags.map((t) => (
                    <span key={t} className="tag">
                      {t}
                    </span>
                  ))
                : "untagged"}
              <SeverityBadges counts={data.scan.status === "done" ? data.scan.counts : undefined} />
            </span>
          ) : undefined
        }
      >
        {name}@{digest.slice(0, digest.indexOf(":") + 13)}
      </PageTitle>
      {data && data.platforms.length > 0 && (
        <label className="platform-pick">
          Platform{" "}
          <select
            value={platform ?? ""}
            onChange={(event) => updateQuery({ platform: event.target.value }, { replace: false })}
          >
            <option value="">default</option>
            {data.platforms.map((p) => (
              <option key={p.digest} value={p.platform}>
                {p.platform}
              </option>
            ))}
          </select>
        </label>
      )}
      {error && <Failure error={error} what="this image" />}
      {loading && !data && <Loading what="the image" />}
      {data && (
        <Tabs
          label="Image details"
          tabs={IMAGE_TABS}
          selected={tab}
          onSelect={(id) =>
            updateQuery({
              tab: id === "overview" ? undefined : id,
              q: undefined,
              severity: undefined,
              fixable: undefined,
              ecosystem: undefined,
            })
          }
        >
          <Suspense fallback={<Loading what="the tab" />}>
            {tab === "overview" && <OverviewTab image={data} />}
            {tab === "layers" && <LayersTab image={data} />}
            {tab === "packages" && <PackagesTab api={base} platform={platform} />}
            {tab === "vulnerabilities" && <VulnerabilitiesTab api={base} platform={platform} />}
            {tab === "supply-chain" && <SupplyChainTab image={data} />}
            {tab === "decisions" && <DecisionsTab api={manifestApi(name, digest)} />}
          </Suspense>
        </Tabs>
      )}
    </>
  );
}
