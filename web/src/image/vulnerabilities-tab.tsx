import { isPaged, useApi } from "../api";
import { Failure, Loading, SeverityBadges } from "../components/bits";
import { Pager } from "../components/pager";
import { ScrollRegion } from "../components/table";
import { hrefWith, pageParam, updateQuery, useLocation, useQueryParam } from "../router";
import { type Finding, type FindingPage, SEVERITIES } from "../types";

/**
 * Findings grouped by package, with the version that fixes each, its severity, the VEX statement and
 * any exception; filters by severity and "fixable only" live in the URL.
 */
export default function VulnerabilitiesTab({
  api,
  platform,
}: {
  api: string;
  platform?: string | undefined;
}) {
  const location = useLocation();
  const [q, setQ] = useQueryParam("q");
  const severity = (location.query.get("severity") ?? "").split(",").filter(Boolean);
  const fixable = location.query.get("fixable") === "true";
  const page = pageParam(location.query);
  const { data, error, loading } = useApi<FindingPage>(
    hrefWith(`${api}/findings`, {
      platform,
      severity: severity.join(","),
      fixable: fixable ? "true" : undefined,
      q,
      page,
      perPage: 50,
    }),
    isPaged,
  );
  const toggle = (s: string) => {
    const next = severity.includes(s) ? severity.filter((x) => x !== s) : [...severity, s];
    updateQuery({ severity: SEVERITIES.filter((x) => next.includes(x)).join(",") });
  };
  return (
    <>
      <div className="toolbar">
        <fieldset className="chips">
          <legend>Severity</legend>
          {SEVERITIES.map((s) => (
            <label key={s} className={`chip sev-${s}`}>
              <input type="checkbox" checked={severity.includes(s)} onChange={() => toggle(s)} /> {s}
            </label>
          ))}
        </fieldset>
        <label>
          <input
            type="checkbox"
            checked={fixable}
            onChange={(event) => updateQuery({ fixable: event.target.checked ? "true" : undefined })}
          />{" "}
          Fixable only
        </label>
        <label>
          Search{" "}
          <input
            type="search"
            value={q}
            placeholder="CVE, package"
            onChange={(event) => setQ(event.target.value, { replace: true })}
          />
        </label>
      </div>
      {error && <Failure error={error} what="the vulnerabilities" />}
      {loading && !data && <Loading what="vulnerabilities" />}
      {data && (
        <>
          <p>
            <SeverityBadges counts={data.counts} />
          </p>
          {data.items.length === 0 && <p>No findings match.</p>}
          {data.items.map((group) => (
            <section
              key={`${group.package.ecosystem}\0${group.package.name}\0${group.package.version}`}
              className="finding-group"
            >
              <h3>
                {group.package.name} <span className="muted">{group.package.version}</span>{" "}
                <span className="muted">({group.package.ecosystem})</span>
              </h3>
              <ScrollRegion label={`Findings in ${group.package.name}`}>
                <table className="data">
                  <thead>
                    <tr>
                      <th scope="col">Advisory</th>
                      <th scope="col">Severity</th>
                      <th scope="col">Fixed in</th>
                      <th scope="col">Summary</th>
                      <th scope="col">VEX / exception</th>
                    </tr>
                  </thead>
                  <tbody>
                    {group.findings.map((f) => (
                      <tr key={f.id}>
                        <td>
                          {f.id}
                          {f.aliases.length > 0 && <div className="muted">{f.aliases.join(", ")}</div>}
                        </td>
                        <td>
                          <span className={`badge sev-${f.severity}`}>{f.severity}</span>
                          {f.cvss !== null && (
                            <span className="muted" title={f.cvss.vector}>
                              {" "}
                              {f.cvss.score.toFixed(1)}
                            </span>
                          )}
                        </td>
                        <td>{f.fixedIn.join(", ") || <span className="muted">no fix yet</span>}</td>
                        <td>{f.summary ?? ""}</td>
                        <td>
                          {f.vex && (
                            <div>
                              VEX: {f.vex.status}
                              {f.vex.justification ? ` (${f.vex.justification})` : ""}
                            </div>
                          )}
                          <Exceptions finding={f} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </ScrollRegion>
            </section>
          ))}
          <Pager total={data.total} page={data.page} perPage={data.perPage} />
        </>
      )}
    </>
  );
}

/**
 * The policies' exceptions for a finding (`require.scan.exceptions`), each with the policy and rule
 * that holds it; an expired one is marked, since the finding counts again. Falls back to the single
 * `exception` field of servers that do not list them.
 */
function Exceptions({ finding }: { finding: Finding }) {
  if (finding.exceptions === undefined) {
    return finding.exception ? (
      <div>
        Exception: {finding.exception.reason}
        {finding.exception.expires ? `, until ${finding.exception.expires}` : ""}
      </div>
    ) : null;
  }
  return (
    <>
      {finding.exceptions.map((e) => (
        <div key={`${e.policy}|${e.rule}|${e.id}`} className={e.inForce ? undefined : "muted"}>
          {e.inForce ? "Exception" : "Expired exception"} ({e.policy} policy, {e.rule}): {e.reason},{" "}
          {e.inForce ? "until" : "ended"} {e.until}
        </div>
      ))}
    </>
  );
}
