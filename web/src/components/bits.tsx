import { type ReactNode, useEffect, useRef } from "react";
import { ApiError } from "../api";
import { formatTime, shortDigest } from "../format";
import { SEVERITIES, type SeverityCounts } from "../types";

/** Counts by severity as small labelled badges (the label read out, not only the colour). */
export function SeverityBadges({ counts }: { counts: SeverityCounts | undefined }) {
  if (!counts) return <span className="muted">–</span>;
  const shown = SEVERITIES.filter((s) => (counts[s] ?? 0) > 0);
  if (shown.length === 0) return <span className="badge ok">none</span>;
  return (
    <span className="badges">
      {shown.map((severity) => (
        <span key={severity} className={`badge sev-${severity}`} title={severity}>
          <span className="visually-hidden">{severity} </span>
          <span aria-hidden="true">{severity[0]!.toUpperCase()}</span> {counts[severity]}
        </span>
      ))}
    </span>
  );
}

export function Digest({ value }: { value: string }) {
  return (
    <code className="digest" title={value}>
      {shortDigest(value)}
    </code>
  );
}

export function Time({ value }: { value: string | null | undefined }) {
  if (!value) return <span className="muted">–</span>;
  return <time dateTime={value}>{formatTime(value)}</time>;
}

/** A decision's effect, or a rule's outcome (pass reads as allow, fail as deny). */
const EFFECT_STYLE: Record<string, string> = {
  allow: "allow",
  warn: "warn",
  deny: "deny",
  pass: "allow",
  fail: "deny",
};

export function Effect({ effect }: { effect: string }) {
  return <span className={`badge effect-${EFFECT_STYLE[effect] ?? "other"}`}>{effect}</span>;
}

/** ✓ verified, ✗ not verified, ? no trusted key configured (the server cannot say). */
export function Verified({ verified }: { verified: boolean | null }) {
  if (verified === true) return <span className="badge ok">✓ verified</span>;
  if (verified === false) return <span className="badge bad">✗ not verified</span>;
  return <span className="badge unknown">? no trusted key</span>;
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      Loading {what}…
    </p>
  );
}

/** An API failure in words; a 404 of an endpoint the server does not have yet says so. */
export function Failure({ error, what }: { error: Error; what: string }) {
  const text =
    error instanceof ApiError
      ? error.status === 404 && error.code === "NOT_FOUND"
        ? `This server does not answer ${what} (${error.message}).`
        : `${error.message} (${error.code})`
      : error.message;
  return (
    <div className="failure" role="alert">
      Could not load {what}: {text}
    </div>
  );
}

/** A page's heading; focused after each navigation so a screen reader announces the new page. */
export function PageTitle({ children, sub }: { children: ReactNode; sub?: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    const title = ref.current?.textContent;
    if (title) document.title = `${title} · Portcullis`;
  });
  return (
    <header className="page-title">
      <h1 ref={ref} tabIndex={-1} id="page-heading">
        {children}
      </h1>
      {sub && <div className="sub">{sub}</div>}
    </header>
  );
}

export function KeyValues({ rows }: { rows: readonly [string, ReactNode][] }) {
  return (
    <dl className="kv">
      {rows.map(([key, value]) => (
        <div key={key}>
          <dt>{key}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
