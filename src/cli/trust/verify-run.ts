import {
  assembleGates,
  loadPolicyFile,
  localScanSource,
  type PolicyGate,
  type RegistryAccess,
} from "../../app/index.js";
import type { OccurrenceSource, ScanReportSource } from "../../evidence/index.js";
import type { ImageReference } from "../../oci/index.js";
import type { RequestInput } from "../../policy/index.js";
import {
  loadImage,
  loadTrustedRoot,
  MAX_TRUSTED_ROOT_BYTES,
  verifyImageSignatures,
} from "../../trust/index.js";
import { openAdvisoryDatabaseForScan } from "../../vuln/index.js";
import { advisoryDatabasePath } from "../db.js";
import { fromInputFile } from "../failure.js";
import { type ImageFlags, imageOptionsFrom } from "../image-options.js";
import { nodePlatforms } from "../node-platforms.js";
import { configFrom, type PlatformFlags } from "../options.js";
import { asUsageError, decisionExitCode, renderDecision } from "../policy.js";
import { scanApiFromFlag } from "../scan-api-flag.js";
import {
  type AnchorFlags,
  anchorFrom,
  parseImage,
  readTextFile,
  registryClientFor,
  UsageError,
} from "./common.js";
import { renderVerification, verificationJson } from "./render.js";

export interface VerifyFlags extends Omit<ImageFlags, "platform">, AnchorFlags, PlatformFlags {
  /** With --policy: the nodes' platforms (collectPlatforms). */
  platform?: string[];
  annotation?: Record<string, string>;
  strictReference?: boolean;
  output: string;
  policy?: string;
  namespace?: string;
  serviceAccount?: string;
  scan?: "local" | "none" | "api";
  scanApi?: string;
  db?: string;
}

/** Each evidence lookup (and the tag's resolution) gets this long; a local scan of a big image needs it. */
const POLICY_TIMEOUT_MS = 10 * 60_000;

/** Flags of one mode given in the other are mistakes, not silently ignored. */
function checkModeFlags(flags: VerifyFlags): void {
  if (flags.policy !== undefined) {
    const keyFlags = [
      ["--key", flags.key],
      ["--certificate-identity", flags.certificateIdentity],
      ["--certificate-identity-regexp", flags.certificateIdentityRegexp],
      ["--certificate-oidc-issuer", flags.certificateOidcIssuer],
      ["--annotation", flags.annotation],
      ["--strict-reference", flags.strictReference],
    ].filter(([, v]) => v !== undefined);
    if (keyFlags.length > 0) {
      throw new UsageError(
        `--policy takes whom to trust from the policy file; drop ${keyFlags.map(([n]) => n).join(", ")}`,
      );
    }
    return;
  }
  const policyFlags = [
    ["--namespace", flags.namespace],
    ["--service-account", flags.serviceAccount],
    ["--scan", flags.scan],
    ["--scan-api", flags.scanApi],
    ["--db", flags.db],
    ["--platform", flags.platform],
  ].filter(([, v]) => v !== undefined);
  if (policyFlags.length > 0) {
    throw new UsageError(`${policyFlags.map(([n]) => n).join(", ")} need --policy FILE`);
  }
}

/** `--scan api` needs the server; `--scan-api URL` alone means `--scan api`. */
function scanMode(flags: VerifyFlags): VerifyFlags["scan"] {
  if (flags.scanApi !== undefined) {
    if (flags.scan !== undefined && flags.scan !== "api")
      throw new UsageError(
        `--scan-api reads scans from a server: it goes with --scan api, not --scan ${flags.scan}`,
      );
    return "api";
  }
  if (flags.scan === "api") throw new UsageError("--scan api needs --scan-api URL (a Portcullis server)");
  return flags.scan;
}

/** `verify --policy`: the same gate admission uses, asked about one image in a CI context. */
async function verifyWithPolicy(spec: string, flags: VerifyFlags, version: string): Promise<number> {
  const ref = parseImage(spec);
  const mode = scanMode(flags);
  const platforms = nodePlatforms(flags.platform, (message) => new UsageError(message));
  // The local scan opens each image by digest: the platform of openImage never picks one.
  const options = await imageOptionsFrom({ ...flags, platform: undefined });
  const access: RegistryAccess = options.registry ?? {};
  let scans: ScanReportSource | undefined;
  let occurrences: OccurrenceSource | undefined;
  // `--scan api`: the reports of a running Portcullis server (its management API), with the credentials
  // ~/.docker/config.json keeps for the server's host. --username/--password are sent only when the
  // server is the image's own registry: they were given for that host, not for any.
  if (mode === "api") {
    // The same server's occurrences feed the `occurrences` requirement; without --scan-api it has
    // none to read and fails closed, saying so.
    const api = scanApiFromFlag(flags.scanApi!, access, (message) => new UsageError(message), ref.registry);
    scans = api;
    occurrences = api;
  }
  if (mode === "local") {
    // A --db named on the command line that is missing or not a database is the user's mistake (exit 2
    // naming it), not evidence the policy's failurePolicy should weigh.
    const named = flags.db;
    if (named !== undefined) fromInputFile("--db", named, () => openAdvisoryDatabaseForScan(named).close());
    scans = localScanSource({
      advisoryDatabase: advisoryDatabasePath(flags),
      image: options,
      toolVersion: version,
      warn: (message) => process.stderr.write(`warning: ${message}\n`),
      maxFileBytes: configFrom(flags).scan.maxFileBytes,
    });
  }
  let gate: PolicyGate;
  try {
    const policy = loadPolicyFile(flags.policy!);
    const trustedRoot =
      flags.trustedRoot !== undefined
        ? fromInputFile("--trusted-root", flags.trustedRoot, () =>
            loadTrustedRoot(readTextFile(flags.trustedRoot!, "trusted root", MAX_TRUSTED_ROOT_BYTES)),
          )
        : undefined;
    gate = assembleGates({
      access,
      ...(trustedRoot ? { trustedRoot } : {}),
      ...(scans ? { scans } : {}),
      ...(occurrences ? { occurrences } : {}),
      ...(platforms ? { platforms } : {}),
      timeoutMs: POLICY_TIMEOUT_MS,
    }).gate(policy);
  } catch (err) {
    asUsageError(err);
  }
  const request: RequestInput = {
    kind: "ci",
    ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}),
    ...(flags.serviceAccount !== undefined ? { serviceAccount: flags.serviceAccount } : {}),
  };
  let outcome: Awaited<ReturnType<typeof gate.explain>>;
  try {
    outcome = await gate.explain({ image: spec, request });
  } catch (err) {
    asUsageError(err);
  }
  const { decision, input } = outcome;
  // An index: each image a runtime could select from it, with its own verdict (the decision names the failing one).
  const entries = outcome.entries?.map((e) => ({
    digest: e.digest,
    ...(e.platform ? { platform: e.platform } : {}),
    index: e.index,
    allowed: e.decision.allowed,
    effect: e.decision.effect,
    reason: e.decision.reason,
  }));
  process.stdout.write(
    flags.output === "json"
      ? `${JSON.stringify({ image: input.image, ...decision, ...(entries ? { entries } : {}) }, null, 2)}\n`
      : renderDecision(decision, input.image, flags.policy!),
  );
  return decisionExitCode(decision);
}

/** `verify IMAGE --key ...`: cosign verify with one trust anchor. */
async function verifyWithAnchor(spec: string, flags: VerifyFlags): Promise<number> {
  const ref: ImageReference = parseImage(spec);
  const anchor = anchorFrom(flags);
  const client = await registryClientFor(ref, { ...flags, platform: undefined });
  const image = await loadImage(client, ref);
  const verification = verifyImageSignatures(image, {
    anchor,
    requiredAnnotations: flags.annotation ?? {},
    strictReference: flags.strictReference === true,
  });
  process.stdout.write(
    flags.output === "json" ? verificationJson(verification) : renderVerification(verification, "signature"),
  );
  return verification.ok ? 0 : 1;
}

/** Runs `verify` (its definition is verify.ts): the policy gate with --policy, else the signatures. */
export async function runVerify(spec: string, flags: VerifyFlags, version: string): Promise<number> {
  checkModeFlags(flags);
  return flags.policy !== undefined ? verifyWithPolicy(spec, flags, version) : verifyWithAnchor(spec, flags);
}
