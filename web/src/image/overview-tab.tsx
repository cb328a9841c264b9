import { Digest, Effect, KeyValues, Time, Verified } from "../components/bits";
import { formatBytes, plural } from "../format";
import { imagePath, Link, updateQuery } from "../router";
import type { ImageOverview } from "../types";

/** Digest, platforms, base image, created, size, how it runs, its labels; and one line per question. */
export function OverviewTab({ image }: { image: ImageOverview }) {
  const config = image.image;
  const signatures = image.supplyChain.signatures;
  const verified = signatures.filter((s) => s.verified === true);
  const latest = image.decisions.latest;
  return (
    <div className="overview">
      <section aria-labelledby="at-a-glance">
        <h2 id="at-a-glance">At a glance</h2>
        <ul className="glance">
          <li>
            <strong>Vulnerabilities:</strong>{" "}
            {image.scan.status === "done" ? (
              <button type="button" className="link" onClick={() => updateQuery({ tab: "vulnerabilities" })}>
                {plural(
                  Object.values(image.scan.counts).reduce((a, b) => a + b, 0),
                  "finding",
                )}
              </button>
            ) : (
              `scan ${image.scan.status}`
            )}
          </li>
          <li>
            <strong>Signed:</strong>{" "}
            {signatures.length === 0 ? (
              "no"
            ) : (
              <>
                {plural(signatures.length, "signature")}
                {verified.length > 0 &&
                  `, verified by ${[...new Set(verified.map((s) => s.signer ?? "a trusted key"))].join(", ")}`}{" "}
                <Verified
                  verified={
                    verified.length > 0 ? true : signatures.every((s) => s.verified === null) ? null : false
                  }
                />
              </>
            )}
          </li>
          <li>
            <strong>Provenance:</strong>{" "}
            {image.supplyChain.provenance
              ? `built by ${image.supplyChain.provenance.builder ?? "an unnamed builder"}${image.supplyChain.provenance.source ? ` from ${image.supplyChain.provenance.source}` : ""}`
              : "none"}
          </li>
          <li>
            <strong>Last decision:</strong>{" "}
            {latest ? (
              <>
                <Effect effect={latest.effect} /> {latest.gate} <Time value={latest.at} />: {latest.reason}
              </>
            ) : (
              "none yet"
            )}
          </li>
        </ul>
      </section>
      <section aria-labelledby="facts">
        <h2 id="facts">Image</h2>
        <KeyValues
          rows={[
            ["Digest", <code key="d">{image.digest}</code>],
            ["Media type", image.mediaType],
            ["Size", formatBytes(image.size)],
            [
              "Pushed",
              <span key="p">
                <Time value={image.pushedAt} />
                {image.pushedBy ? ` by ${image.pushedBy}` : ""}
              </span>,
            ],
            ["Created", <Time key="c" value={config?.created} />],
            [
              "Platform",
              config ? [config.os, config.architecture, config.variant].filter(Boolean).join("/") : "–",
            ],
            [
              "Base image",
              image.baseImage ? (
                <span key="b">
                  {image.baseImage.name ?? "unnamed"}{" "}
                  {image.baseImage.digest && <Digest value={image.baseImage.digest} />} (from{" "}
                  {image.baseImage.source})
                </span>
              ) : (
                "unknown"
              ),
            ],
            ["User", config?.user || "root (not set)"],
            [
              "Entrypoint",
              config?.entrypoint ? <code key="e">{JSON.stringify(config.entrypoint)}</code> : "–",
            ],
            ["Command", config?.cmd ? <code key="c">{JSON.stringify(config.cmd)}</code> : "–"],
            ["Working directory", config?.workingDir || "–"],
            ["Exposed ports", config?.exposedPorts.join(", ") || "–"],
            ["Author", config?.author || "–"],
          ]}
        />
      </section>
      {image.platforms.length > 0 && (
        <section aria-labelledby="platforms">
          <h2 id="platforms">Platforms of this index</h2>
          <ul>
            {image.platforms.map((p) => (
              <li key={p.digest}>
                <Link to={imagePath(image.repository, image.digest, { platform: p.platform })}>
                  {p.platform}
                </Link>{" "}
                <Digest value={p.digest} /> {formatBytes(p.size)}
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="labels">
        <h2 id="labels">Labels</h2>
        {config && Object.keys(config.labels).length > 0 ? (
          <KeyValues rows={Object.entries(config.labels).map(([k, v]) => [k, v] as [string, string])} />
        ) : (
          <p className="muted">No labels.</p>
        )}
      </section>
    </div>
  );
}
