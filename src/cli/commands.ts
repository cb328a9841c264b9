import type { Command } from "commander";
import { credentialsPath } from "./credentials-path.js";

/** What a command module exports: it adds its command (or commands) to the program. */
export type RegisterCommand = (program: Command, setExit: (code: number) => void) => void;

/** One top-level command as `portcullis --help` lists it, without loading the module that runs it. */
export interface CommandSummary {
  readonly name: string;
  /** The help's left column (`lint [options] <dockerfile...>`), as commander would write it. */
  readonly term: string;
  readonly description: string;
}

/** A command module: the top-level commands its register function adds, and how to load it. */
export interface CommandModule {
  readonly commands: readonly CommandSummary[];
  readonly load: () => Promise<RegisterCommand>;
}

function command(name: string, args: string, description: string): CommandSummary {
  return { name, term: args === "" ? name : `${name} ${args}`, description };
}

/**
 * Every top-level command, in the order `--help` lists them. This file imports nothing heavy: a
 * command's module (and with it Fastify, kysely, Sigstore, the scanners...) is imported only when that
 * command runs, so `--version`, `--help` and a `lint` do not pay for `serve`. The terms and
 * descriptions here repeat what each module registers; commands.test.ts compares the two.
 */
export const COMMAND_MODULES: readonly CommandModule[] = [
  {
    commands: [
      command(
        "serve",
        "[options]",
        "serve the OCI registry (/v2/), the management API (/api/v1/), /metrics, /healthz and /readyz",
      ),
    ],
    load: async () => (await import("./serve.js")).registerServe,
  },
  {
    commands: [
      command(
        "gc",
        "[options]",
        "collect unreferenced blobs and expired uploads (safe while `serve` runs; exits 1 at once when another collection is running)",
      ),
    ],
    load: async () => (await import("./gc.js")).registerGc,
  },
  {
    commands: [
      command(
        "lint",
        "[options] <dockerfile...>",
        "check Dockerfiles for supply-chain and hardening problems",
      ),
    ],
    load: async () => (await import("./lint.js")).registerLint,
  },
  {
    commands: [
      command(
        "sbom",
        "[options] <image>",
        "list every package in an image as an SBOM (CycloneDX 1.6 or SPDX 2.3)",
      ),
    ],
    load: async () => (await import("./sbom.js")).registerSbom,
  },
  {
    commands: [
      command(
        "scan",
        "[options] [image]",
        "find vulnerabilities and standards violations in an image or an SBOM (offline)",
      ),
    ],
    load: async () => (await import("./scan/command.js")).registerScan,
  },
  {
    commands: [command("db", "", "the vulnerability advisory database (OSV), offline-first")],
    load: async () => (await import("./db.js")).registerDb,
  },
  {
    commands: [
      command(
        "keygen",
        "[options]",
        "generate a signing key pair (NAME.key encrypted in cosign's format, NAME.pub)",
      ),
    ],
    load: async () => (await import("./trust/keygen.js")).registerKeygen,
  },
  {
    commands: [
      command(
        "sign",
        "[options] <image>",
        "sign an image's digest (cosign .sig tag and a Sigstore bundle referrer)",
      ),
    ],
    load: async () => (await import("./trust/sign.js")).registerSign,
  },
  {
    commands: [
      command(
        "verify",
        "[options] <image>",
        "verify an image's signatures (cosign tag scheme and Sigstore bundle referrers), or decide with a policy",
      ),
    ],
    load: async () => (await import("./trust/verify.js")).registerVerify,
  },
  {
    commands: [
      command(
        "attest",
        "[options] <image>",
        "attach a signed in-toto attestation to an image (cosign .att tag and a bundle referrer)",
      ),
    ],
    load: async () => (await import("./trust/attest.js")).registerAttest,
  },
  {
    commands: [
      command(
        "approve",
        "[options] <image>",
        "attach a signed approval of an image's digest (who, why, until when)",
      ),
    ],
    load: async () => (await import("./trust/approve.js")).registerApprove,
  },
  {
    commands: [
      command(
        "verify-attestation",
        "[options] <image>",
        "verify an image's attestations and check a CEL condition over their predicate",
      ),
    ],
    load: async () => (await import("./trust/verify-attestation.js")).registerVerifyAttestation,
  },
  {
    commands: [
      command(
        "attestations",
        "[options] <image>",
        "list the signatures, attestations and SBOMs attached to an image",
      ),
    ],
    load: async () => (await import("./trust/attestations.js")).registerAttestations,
  },
  {
    commands: [
      command(
        "provenance",
        "[options]",
        "write SLSA provenance v1 for a Dockerfile build (and attest it with --key)",
      ),
    ],
    load: async () => (await import("./trust/provenance.js")).registerProvenance,
  },
  {
    commands: [
      command(
        "verify-provenance",
        "[options] <image>",
        "verify an image's signed SLSA provenance: builder, source and Dockerfile",
      ),
    ],
    load: async () => (await import("./trust/verify-provenance.js")).registerVerifyProvenance,
  },
  {
    commands: [command("policy", "", "validate policies and replay recorded decisions")],
    load: async () => (await import("./policy-command.js")).registerPolicy,
  },
  {
    commands: [
      command(
        "admission",
        "",
        "the Kubernetes admission webhook: serve it, print its configuration, make certificates",
      ),
    ],
    load: async () => (await import("./admission.js")).registerAdmission,
  },
  {
    commands: [command("audit", "", "the audit log of gate decisions, and the one record")],
    load: async () => (await import("./audit.js")).registerAudit,
  },
  {
    commands: [
      command(
        "admin",
        "",
        "local administration on the server's host (opens its database like gc: same --config and --data)",
      ),
    ],
    load: async () => (await import("./admin.js")).registerAdmin,
  },
  {
    commands: [
      command(
        "login",
        "[options] <url>",
        `log in to a Portcullis server in accounts mode; keeps the URL and credentials in ${credentialsPath()} (mode 0600)`,
      ),
      command("logout", "[url]", "forget the credentials of a server (default: the current one)"),
      command("whoami", "[options]", "who the server knows you as, and the grants you hold"),
    ],
    load: async () => (await import("./login.js")).registerLogin,
  },
  {
    commands: [command("user", "", "users of a Portcullis server (accounts mode)")],
    load: async () => (await import("./user.js")).registerUser,
  },
  {
    commands: [command("group", "", "groups of users (accounts mode)")],
    load: async () => (await import("./group.js")).registerGroup,
  },
  {
    commands: [command("project", "", "projects: the first component of repository names")],
    load: async () => (await import("./project.js")).registerProject,
  },
  {
    commands: [
      command(
        "robot",
        "",
        "robot accounts for CI and automation: scoped permissions, an expiry, a secret shown once",
      ),
    ],
    load: async () => (await import("./robot.js")).registerRobot,
  },
  {
    commands: [command("role", "", "project roles and their permissions (docs/permissions.md)")],
    load: async () => (await import("./role.js")).registerRole,
  },
  {
    commands: [
      command("key", "", "the signing key of the registry token service (its public keys: GET /token/jwks)"),
    ],
    load: async () => (await import("./key.js")).registerKey,
  },
  {
    commands: [
      command("replication", "", "replication rules between this registry and others (administrators)"),
    ],
    load: async () => (await import("./replication.js")).registerReplication,
  },
];

/**
 * The command `argv` asks for, or undefined when it asks for none (`--version`, `--help`, nothing).
 * Top-level options take no value, so the first word that is not an option names the command;
 * `help NAME` asks for NAME's help, which its module writes.
 */
export function requestedCommand(args: readonly string[]): string | undefined {
  const words = args.filter((arg) => !arg.startsWith("-"));
  const first = words[0];
  return first === "help" ? words[1] : first;
}
