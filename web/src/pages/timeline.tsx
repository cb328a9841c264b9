import { useApi } from "../api";
import { Digest, Failure, KeyValues, Loading, PageTitle } from "../components/bits";
import { hrefWith, Link, updateQuery, useLocation } from "../router";

/** One entry as GET /api/v1/audit/timeline answers it (without proofs: the CLI verifies those). */
interface TimelineEntry {
  readonly index: number;
  readonly at: number;
  readonly kind: string;
  readonly actor?: string;
  readonly summary: string;
  readonly payload: unknown;
}

export interface TimelineAnswer {
  readonly subject: { readonly image?: string; readonly pod?: string; readonly container?: string };
  readonly digests: readonly string[];
  readonly size: number;
  readonly entries: readonly TimelineEntry[];
  readonly next?: string;
  readonly scans: readonly { digest: string; status: string; counts?: unknown }[];
  readonly mightHaveDone: {
    readonly exposure?: { readonly index: number; readonly at: number; readonly spec: unknown };
    readonly riskyPackages: readonly { kind: string; name: string; version?: string; digest: string }[];
  };
}

const SUBJECTS = ["image", "pod", "container"] as const;

function isTimeline(value: unknown): boolean {
  const v = value as TimelineAnswer | null;
  return typeof v === "object" && v !== null && Array.isArray(v.entries) && Array.isArray(v.scans);
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : {};
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function counts(value: unknown): string {
  const c = obj(value);
  const parts = ["critical", "high", "medium", "low", "unknown"]
    .filter((s) => typeof c[s] === "number" && (c[s] as number) > 0)
    .map((s) => `${s} ${String(c[s])}`);
  return parts.length > 0 ? parts.join(", ") : "none";
}

/** What the payload adds to the summary, as text (a payload is data from outside: never markup). */
function detail(entry: TimelineEntry): string {
  const p = obj(entry.payload);
  if (entry.kind === "build.provenance") {
    const source = obj(p.source);
    return [
      typeof p.builderId === "string" && `builder ${p.builderId}`,
      typeof source.uri === "string" && `source ${source.uri}`,
      typeof p.dockerfileDigest === "string" && `Dockerfile ${p.dockerfileDigest}`,
      p.verified === false && "NOT verified",
    ]
      .filter(Boolean)
      .join("; ");
  }
  if (entry.kind === "image.scanned" && p.status === "done") return `findings then: ${counts(p.counts)}`;
  return "";
}

/** The exposure summary (runtime/k8s-audit/exposure.ts on the server) as label/value lines. */
function exposureRows(spec: unknown): [string, string][] {
  const s = obj(spec);
  const rows: [string, string][] = [];
  const host = ["hostNetwork", "hostPID", "hostIPC"].filter((k) => s[k] === true);
  rows.push(["Host namespaces", host.length > 0 ? host.join(", ") : "none"]);
  const paths = list(s.hostPaths).map((v) => String(obj(v).path ?? ""));
  rows.push(["hostPath mounts", paths.length > 0 ? paths.join(", ") : "none"]);
  if (typeof s.serviceAccount === "string") rows.push(["Service account", s.serviceAccount]);
  for (const c of list(s.containers).map(obj)) {
    const sc = obj(c.securityContext);
    const caps = list(sc.capabilitiesAdd).map(String);
    const ports = list(c.ports)
      .map(obj)
      .map((p) => `${String(p.containerPort)}${p.hostPort ? ` (hostPort ${String(p.hostPort)})` : ""}`);
    rows.push([
      `Container ${String(c.name ?? "")}`,
      [
        sc.privileged === true && "privileged",
        sc.allowPrivilegeEscalation === true && "privilege escalation allowed",
        sc.runAsNonRoot === true ? "non-root" : "may run as root",
        sc.readOnlyRootFilesystem === true ? "read-only root" : "writable root",
        caps.length > 0 && `adds ${caps.join(", ")}`,
        ports.length > 0 && `ports ${ports.join(", ")}`,
      ]
        .filter(Boolean)
        .join("; "),
    ]);
  }
  return rows;
}

/**
 * /timeline?image=|pod=|container=: the story of an image, pod or container from the one record, in
 * time order, with findings now and what the workload might have done. Proofs are left to the CLI
 * (`portcullis audit timeline`), which checks each one against the signed checkpoint.
 */
export default function TimelinePage() {
  const location = useLocation();
  const subject = SUBJECTS.find((s) => location.query.get(s));
  const value = subject ? location.query.get(subject)! : "";
  const after = location.query.get("after") ?? undefined;
  const { data, error, loading } = useApi<TimelineAnswer>(
    subject
      ? hrefWith("/api/v1/audit/timeline", { [subject]: value, after, limit: 500, proofs: "false" })
      : null,
    isTimeline,
  );
  return (
    <>
      <PageTitle sub={data ? `${data.entries.length} entries` : undefined}>
        Timeline{subject ? ` of ${subject} ${value}` : ""}
      </PageTitle>
      {!subject && (
        <p className="muted">Open a timeline from an image's page, or add ?image=, ?pod= or ?container=.</p>
      )}
      {error && <Failure error={error} what="the timeline" />}
      {loading && !data && <Loading what="the timeline" />}
      {data && (
        <>
          <p>
            Images: {data.digests.length > 0 ? data.digests.map((d) => <Digest key={d} value={d} />) : "none"}
          </p>
          <table>
            <caption>Entries by time (record of {data.size.toLocaleString("en")} entries)</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Kind</th>
                <th scope="col">Actor</th>
                <th scope="col">What</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {data.entries.map((e) => (
                <tr key={e.index}>
                  <td>
                    <time dateTime={new Date(e.at).toISOString()}>{new Date(e.at).toISOString()}</time>
                  </td>
                  <td>{e.kind}</td>
                  <td>{e.actor ?? ""}</td>
                  <td>{e.summary}</td>
                  <td>{detail(e)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {data.next && (
            <button type="button" onClick={() => updateQuery({ after: data.next })}>
              Later entries
            </button>
          )}
          <h2>Findings now</h2>
          {data.scans.length === 0 ? (
            <p className="muted">No scan.</p>
          ) : (
            <KeyValues
              rows={data.scans.map((s) => [s.digest, s.status === "done" ? counts(s.counts) : s.status])}
            />
          )}
          <h2>What it might have done</h2>
          {data.mightHaveDone.exposure ? (
            <KeyValues rows={exposureRows(data.mightHaveDone.exposure.spec)} />
          ) : (
            <p className="muted">No workload spec recorded (no Kubernetes audit event with it).</p>
          )}
          <ul aria-label="Risky packages">
            {data.mightHaveDone.riskyPackages.map((p) => (
              <li key={`${p.digest} ${p.kind} ${p.name} ${p.version ?? ""}`}>
                {p.kind}: {p.name}
                {p.version ? ` ${p.version}` : ""}
              </li>
            ))}
          </ul>
          {data.mightHaveDone.riskyPackages.length === 0 && (
            <p className="muted">No shells, package managers or compilers in the stored SBOM.</p>
          )}
          <p className="muted">
            Every entry's inclusion proof: <code>portcullis audit timeline</code> checks them against the
            record's signed checkpoint. <Link to="/decisions">Decisions</Link>
          </p>
        </>
      )}
    </>
  );
}
