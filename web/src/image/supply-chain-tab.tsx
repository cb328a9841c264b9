import { Digest, KeyValues, Verified } from "../components/bits";
import { type Column, DataTable } from "../components/table";
import { formatBytes } from "../format";
import type { Attestation, ImageOverview, Referrer, Signature } from "../types";

const SIGNATURES: readonly Column<Signature>[] = [
  { key: "format", header: "Format", render: (s) => s.format },
  { key: "verified", header: "Verified", render: (s) => <Verified verified={s.verified} /> },
  { key: "signer", header: "Signer (key or identity)", render: (s) => s.signer ?? "–" },
  { key: "reason", header: "Why", render: (s) => s.reason ?? "" },
  { key: "digest", header: "Artifact", render: (s) => <Digest value={s.digest} /> },
];

const ATTESTATIONS: readonly Column<Attestation>[] = [
  { key: "type", header: "Predicate type", render: (a) => a.predicateType },
  { key: "verified", header: "Verified", render: (a) => <Verified verified={a.verified} /> },
  { key: "signer", header: "Signer", render: (a) => a.signer ?? "–" },
  { key: "digest", header: "Artifact", render: (a) => <Digest value={a.digest} /> },
];

const REFERRERS: readonly Column<Referrer>[] = [
  { key: "type", header: "Artifact type", render: (r) => r.artifactType ?? r.mediaType },
  { key: "digest", header: "Digest", render: (r) => <Digest value={r.digest} /> },
  { key: "size", header: "Size", numeric: true, render: (r) => formatBytes(r.size) },
  {
    key: "annotations",
    header: "Annotations",
    render: (r) =>
      Object.entries(r.annotations)
        .map(([k, v]) => `${k}=${v}`)
        .join("; ") || "–",
  },
];

/**
 * What vouches for this image: signatures (and against which keys they verified), attestations by
 * predicate type, SLSA provenance, the Dockerfile lint, and every referrer pointing at the digest.
 */
export function SupplyChainTab({ image }: { image: ImageOverview }) {
  const chain = image.supplyChain;
  const provenance = chain.provenance;
  return (
    <>
      <figure className="chain" aria-label="The image and what refers to it">
        <div className="chain-node subject">
          image <Digest value={image.digest} />
        </div>
        <ul>
          {chain.signatures.map((s) => (
            <li key={`s${s.digest}${s.signer}`} className="chain-node">
              ← signature ({s.format}) {s.verified ? "✓" : s.verified === false ? "✗" : "?"} {s.signer ?? ""}
              {/* A ✗ alone does not say whether the key is wrong or nothing could check it. */}
              {s.verified === false && s.reason ? ` — ${s.reason}` : ""}
            </li>
          ))}
          {chain.attestations.map((a) => (
            <li key={`a${a.digest}${a.predicateType}`} className="chain-node">
              ← attestation {a.predicateType} {a.verified ? "✓" : a.verified === false ? "✗" : "?"}
            </li>
          ))}
          {chain.referrers.length === 0 &&
            chain.signatures.length === 0 &&
            chain.attestations.length === 0 && (
              <li className="chain-node muted">nothing refers to this image</li>
            )}
        </ul>
      </figure>
      <DataTable
        caption="Signatures"
        columns={SIGNATURES}
        rows={chain.signatures}
        rowKey={(s) => `${s.digest}${s.signer}`}
        empty="Not signed."
      />
      <DataTable
        caption="Attestations"
        columns={ATTESTATIONS}
        rows={chain.attestations}
        rowKey={(a) => `${a.digest}${a.predicateType}`}
        empty="No attestations."
      />
      <section aria-labelledby="provenance">
        <h2 id="provenance">Provenance (SLSA)</h2>
        {provenance ? (
          <KeyValues
            rows={[
              ["Builder", provenance.builder ?? "–"],
              ["Source", provenance.source ?? "–"],
              [
                "Dockerfile",
                provenance.dockerfileDigest ? <Digest key="d" value={provenance.dockerfileDigest} /> : "–",
              ],
              [
                "Base images",
                provenance.baseImages.length
                  ? provenance.baseImages.map((b) => (b.digest ? `${b.name}@${b.digest}` : b.name)).join(", ")
                  : "–",
              ],
            ]}
          />
        ) : (
          <p className="muted">No provenance attestation.</p>
        )}
      </section>
      <section aria-labelledby="lint">
        <h2 id="lint">Dockerfile lint</h2>
        {chain.lint ? (
          <p>
            {chain.lint.findings} findings: {chain.lint.errors} errors, {chain.lint.warnings} warnings.
          </p>
        ) : (
          <p className="muted">No lint report attached.</p>
        )}
      </section>
      <DataTable
        caption="Referrers"
        columns={REFERRERS}
        rows={chain.referrers}
        rowKey={(r) => r.digest}
        empty="No referrers."
      />
    </>
  );
}
