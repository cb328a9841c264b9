import { type Command, Option } from "commander";
import {
  cachedClients,
  createPolicyGate,
  loadPolicyFile,
  localScanSource,
  registryDigestResolver,
  registryEvidencePorts,
} from "../../app/index.js";
import type { ScanReportSource } from "../../evidence/index.js";
import { credentialsFromDockerConfig, type ImageReference, RegistryClient } from "../../oci/index.js";
import type { RequestInput } from "../../policy/index.js";
import { loadImage, loadTrustedRoot, verifyImageSignatures } from "../../trust/index.js";
import { advisoryDatabasePath } from "../db.js";
import { type ImageFlags, imageOptionsFrom } from "../image-options.js";
import { type PlatformFlags, withPlatformFlags } from "../options.js";
import { asUsageError, decisionExitCode, renderDecision } from "../policy.js";
import {
  type AnchorFlags,
  addAnchorOptions,
  addRegistryOptions,
  anchorFrom,
  collectPair,
  outputOption,
  parseImage,
  readTextFile,
  registryClientFor,
  runWith,
  UsageError,
  usageExitCodes,
} from "./common.js";
import { renderVerification, verificationJson } from "./render.js";

interface VerifyFlags extends ImageFlags, AnchorFlags, PlatformFlags {
  annotation?: Record<string, string>;
  strictReference?: boolean;
  output: string;
  policy?: string;
  namespace?: string;
  serviceAccount?: string;
  scan?: "local" | "none";
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
    ["--db", flags.db],
  ].filter(([, v]) => v !== undefined);
  if (policyFlags.length > 0) {
    throw new UsageError(`${policyFlags.map(([n]) => n).join(", ")} need --policy FILE`);
  }
}

/** `verify --policy`: the same gate admission uses, asked about one image in a CI context. */
async function verifyWithPolicy(spec: string, flags: VerifyFlags, version: string): Promise<number> {
  parseImage(spec);
  const options = await imageOptionsFrom(flags);
  const registryOptions = options.registry ?? {};
  const clientFor = cachedClients((registry) => {
    const credentials =
      registryOptions.credentials ??
      (registryOptions.dockerConfig !== undefined
        ? credentialsFromDockerConfig(registryOptions.dockerConfig, registry)
        : undefined);
    return new RegistryClient({
      registry,
      ...(credentials ? { credentials } : {}),
      insecure: registryOptions.insecure === true,
    });
  });
  let scans: ScanReportSource | undefined;
  if (flags.scan === "local") {
    scans = localScanSource({
      advisoryDatabase: advisoryDatabasePath(flags),
      image: options,
      toolVersion: version,
      warn: (message) => process.stderr.write(`warning: ${message}\n`),
    });
  }
  let gate: ReturnType<typeof createPolicyGate>;
  try {
    const policy = loadPolicyFile(flags.policy!);
    const trustedRoot =
      flags.trustedRoot !== undefined
        ? loadTrustedRoot(readTextFile(flags.trustedRoot, "trusted root"))
        : undefined;
    gate = createPolicyGate({
      policy,
      ports: registryEvidencePorts({
        policy,
        clientFor,
        ...(trustedRoot ? { trustedRoot } : {}),
        ...(scans ? { scans } : {}),
      }),
      resolver: registryDigestResolver(clientFor),
      timeoutMs: POLICY_TIMEOUT_MS,
    });
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
  process.stdout.write(
    flags.output === "json"
      ? `${JSON.stringify({ image: input.image, ...decision }, null, 2)}\n`
      : renderDecision(decision, input.image, flags.policy!),
  );
  return decisionExitCode(decision);
}

/** `verify IMAGE --key ...`: cosign verify with one trust anchor. */
async function verifyWithAnchor(spec: string, flags: VerifyFlags): Promise<number> {
  const ref: ImageReference = parseImage(spec);
  const anchor = anchorFrom(flags);
  const client = await registryClientFor(ref, flags);
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

/**
 * `portcullis verify IMAGE`: cosign verify (`--key` or the keyless flags): exit 0 when at least one
 * signature verifies and passes every check, 1 when none does. With `--policy FILE`, the policy gate
 * instead: every requirement of the selected rule with its reason; exit 0 on allow or warn, 1 on deny.
 * A usage error or a malformed policy (file:line: key: message) exits 2.
 */
export function registerVerify(program: Command, setExit: (code: number) => void): void {
  addRegistryOptions(
    withPlatformFlags(
      addAnchorOptions(
        usageExitCodes(
          program
            .command("verify")
            .description(
              "verify an image's signatures (cosign tag scheme and Sigstore bundle referrers), or decide with a policy",
            )
            .argument("<image>", "registry reference"),
        ),
      )
        .option(
          "-a, --annotation <key=value>",
          "annotation the signature must carry (repeatable)",
          collectPair,
        )
        .option("--strict-reference", "fail, not warn, when a signature names another repository")
        .option(
          "--policy <file>",
          "decide with this policy (portcullis.dev/v1) instead of --key/keyless flags",
        )
        .option("--namespace <ns>", "with --policy: the namespace whose rule applies")
        .option(
          "--service-account <sa>",
          "with --policy: the service account (in --namespace) whose rule applies",
        )
        .addOption(
          new Option(
            "--scan <mode>",
            "with --policy: scan the image here (local) or have no scan (none)",
          ).choices(["local", "none"]),
        )
        .option("--db <file>", "with --scan local: advisory database (default scan.advisoryDatabase)")
        .addOption(outputOption()),
    ),
  ).action((spec: string, flags: VerifyFlags) =>
    runWith(setExit, async () => {
      checkModeFlags(flags);
      return flags.policy !== undefined
        ? verifyWithPolicy(spec, flags, program.version() ?? "dev")
        : verifyWithAnchor(spec, flags);
    }),
  );
}
