/**
 * The README's command blocks as tests (test/docs/readme.test.ts).
 *
 * A block runs when the line right before its fence is `<!-- doctest -->` (an HTML comment: GitHub shows
 * nothing) and the fence is ```sh. Blocks that need what a test cannot provide (a Kubernetes cluster,
 * the network, a terminal) stay unmarked.
 *
 * The blocks of one Markdown file run in order, in one temporary folder, against one `serve`, as a user
 * following the page would; each runs as `bash` with `set -euo pipefail`. How the folder differs from a
 * user's machine:
 * - Addresses are rewritten to the runner's (`rewriteAddresses`): `127.0.0.1:5000`, `localhost:5000` and
 *   `0.0.0.0:5000` to its free port (`PORTCULLIS_SERVER_LISTEN` says the same to `serve`);
 *   `registry.example.com:5000` to this machine's first address beyond loopback on that port (a name
 *   would need /etc/hosts; the certificate names both); `https://sso.example.com` to the runner's
 *   OpenID provider (plain HTTP on 127.0.0.1, the npm package oidc-provider); `127.0.0.1:8443`,
 *   `localhost:8443` and `portcullis.portcullis.svc:8443` (the admission webhook) to a second free port.
 * - `portcullis` and `npx portcullis` run the checkout's build (`bin/portcullis.js`, as `npm test` builds
 *   it), as `npx` does in a project that depends on Portcullis; `npx` runs nothing else.
 * - `portcullis serve` starts in the background, as in a second terminal: it stops the runner's server,
 *   starts a new one with the line's environment and flags on the same port (its data folder is the
 *   line's, `./data` unless it says otherwise), and returns once `/v2/` answers over HTTP or HTTPS
 *   (200, or 401 in accounts mode).
 * - `podman` is the machine's, with its storage (vfs) and configuration in a temporary folder of its
 *   own; it keeps the block's HOME, so it reads a CA from ~/.config/containers/certs.d as a reader's does.
 *   Its local storage holds `app:1.0` (the `layout` image), the image a team's CI built.
 * - `$BROWSER` is a scripted browser (test/support/doctest-sso.ts) for `portcullis login --sso`: it
 *   signs in at the OpenID provider's login page as `alice` and follows the redirects back to the CLI.
 * - `PORTCULLIS_PASSWORD` is set (no terminal to type a key password on); HOME is a folder of its own.
 * - The files a reader is assumed to have are there (see `writeFixtures`).
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { networkInterfaces, tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { zipSync } from "fflate";
import { RegistryClient } from "../../src/oci/index.js";
import { issueCertificate, makeCa } from "./certificates.js";
import { type BrowserControl, startBrowserControl } from "./doctest-sso.js";
import { buildImageLayout } from "./image-builder.js";
import { writeImageLayout, writeIndexLayout } from "./oci-layout.js";
import { startOpenIdProvider } from "./openid-provider.js";
import { podmanIsolation } from "./podman.js";
import { pushLayoutImage } from "./push-image.js";
import { freePort, PORTCULLIS_BIN, REPO_ROOT, type RunResult, run } from "./targets.js";

/** The marker line before a runnable block's fence. */
export const DOCTEST_MARKER = "<!-- doctest -->";

export interface DocBlock {
  /** The Markdown file, relative to the repository root. */
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly script: string;
}

/** The runnable blocks of one Markdown text; a marker that does not precede a ```sh fence is an error. */
export function extractDocBlocks(file: string, text: string): DocBlock[] {
  const lines = text.split("\n");
  const blocks: DocBlock[] = [];
  let fence: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (fence !== undefined) {
      if (line.trim() === fence) fence = undefined;
      continue;
    }
    const open = /^\s*(`{3,}|~{3,})/.exec(line);
    if (open) {
      fence = open[1];
      continue;
    }
    if (line.trim() !== DOCTEST_MARKER) continue;
    const next = lines[i + 1] ?? "";
    const sh = /^(`{3,})sh\s*$/.exec(next);
    if (!sh) throw new Error(`${file}:${i + 1}: ${DOCTEST_MARKER} must be followed by a \`\`\`sh fence`);
    const body: string[] = [];
    let j = i + 2;
    for (; j < lines.length && lines[j]?.trim() !== sh[1]; j++) body.push(lines[j] ?? "");
    if (j === lines.length) throw new Error(`${file}:${i + 2}: the block is not closed`);
    blocks.push({ file, line: i + 2, script: `${body.join("\n")}\n` });
    i = j;
  }
  return blocks;
}

/** What a failing block reports: where it is, what it ran, what it printed, and the server's last words. */
export function blockFailure(block: DocBlock, code: number | null, output: string, serveLog: string): string {
  const tail = serveLog.split("\n").slice(-30).join("\n");
  return `${block.file}:${block.line}: the block exited ${code}\n--- block ---\n${block.script}--- output ---\n${output}\n--- serve log (last lines) ---\n${tail}`;
}

/** Where the runner serves what the README names: its port, the registry's host name, the OpenID provider. */
export interface DocSite {
  readonly port: number;
  /** What `registry.example.com` stands for: an address of this machine beyond loopback. */
  readonly registryHost: string;
  /** What `https://sso.example.com` stands for: the runner's OpenID provider. */
  readonly issuer: string;
  /** What port 8443 (the admission webhook's, on loopback or as its Service's name) stands for. */
  readonly webhookPort: number;
}

/** The addresses the README uses, rewritten to the runner's (see the file's comment). */
export function rewriteAddresses(script: string, site: DocSite): string {
  return script
    .replace(/\b(127\.0\.0\.1|localhost|0\.0\.0\.0):5000\b/g, `$1:${site.port}`)
    .replace(/\bregistry\.example\.com:5000\b/g, `${site.registryHost}:${site.port}`)
    .replace(/https:\/\/sso\.example\.com\b/g, site.issuer)
    .replace(/\b(127\.0\.0\.1|localhost|portcullis\.portcullis\.svc):8443\b/g, `$1:${site.webhookPort}`);
}

/** The machine's first IPv4 address beyond loopback (127.0.0.1 on a machine without one). */
export function hostAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (!address.internal && address.family === "IPv4") return address.address;
    }
  }
  return "127.0.0.1";
}

/** Runs a script as a block runs: bash, `set -euo pipefail`, stdout and stderr interleaved in `stdout`. */
export function runDocScript(
  script: string,
  options: { cwd: string; env: Record<string, string>; timeoutMs: number },
): Promise<RunResult> {
  return run("bash", ["-c", `set -euo pipefail\nexec 2>&1\n${script}`], { ...options, allowFailure: true });
}

/** `portcullis`: the checkout's build; `serve` in the background (see the file's comment). */
function portcullisShim(): string {
  return `#!/usr/bin/env bash
# doctest shim for \`portcullis\`: runs ${PORTCULLIS_BIN}.
set -euo pipefail
bin=${JSON.stringify(PORTCULLIS_BIN)}
if [ "\${1:-}" != serve ]; then exec node "$bin" "$@"; fi
state="$DOCTEST_STATE"
if [ -f "$state/serve.pid" ]; then
  old=$(cat "$state/serve.pid")
  kill "$old" 2>/dev/null || true
  # Gone, or a zombie nobody reaps yet: either way it no longer holds the port.
  for _ in $(seq 1 600); do
    s=$(cut -d' ' -f3 "/proc/$old/stat" 2>/dev/null || true)
    case "$s" in ""|Z*) break ;; esac
    sleep 0.1
  done
  rm -f "$state/serve.pid"
fi
nohup node "$bin" "$@" </dev/null >>"$state/serve.log" 2>&1 &
pid=$!
echo "$pid" >"$state/serve.pid"
for _ in $(seq 1 600); do
  # 401: a server in accounts mode is up too; -k: over HTTPS only whether it answers matters here.
  for scheme in http https; do
    code=$(curl -sSk -o /dev/null -w '%{http_code}' "$scheme://$PORTCULLIS_SERVER_LISTEN/v2/" 2>/dev/null || true)
    case "$code" in 200|401) exit 0 ;; esac
  done
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "doctest: portcullis serve exited; its log:" >&2
    tail -n 40 "$state/serve.log" >&2
    exit 1
  fi
  sleep 0.1
done
echo "doctest: portcullis serve did not answer on $PORTCULLIS_SERVER_LISTEN within 60 s" >&2
exit 1
`;
}

/** `podman`: the machine's, with its storage and configuration in the folder (see podman.ts). */
function podmanShim(
  podman: string,
  isolation: { env: Record<string, string>; globalFlags: string[] },
): string {
  // The block's HOME stays: podman reads a CA from ~/.config/containers/certs.d there, as the README says.
  const { HOME: _home, XDG_CONFIG_HOME: _config, XDG_DATA_HOME: _data, ...env } = isolation.env;
  const exports = Object.entries(env).map(([k, v]) => `export ${k}=${JSON.stringify(v)}`);
  return `#!/usr/bin/env bash
# doctest shim for \`podman\`: storage and configuration in the doc-test folder.
${exports.join("\n")}
exec ${JSON.stringify(podman)} ${isolation.globalFlags.map((f) => JSON.stringify(f)).join(" ")} "$@"
`;
}

/** `npx portcullis ...` is the checkout's `portcullis`; npx reaching for the registry is an error. */
function npxShim(): string {
  return `#!/usr/bin/env bash
if [ "\${1:-}" = portcullis ]; then shift; exec portcullis "$@"; fi
echo "doctest: npx runs only portcullis here (npx $*)" >&2
exit 127
`;
}

export interface DocEnvironment {
  /** The temporary folder the blocks run in. */
  readonly dir: string;
  readonly site: DocSite;
  /** Environment for every block (PATH with the shims first). */
  readonly env: Record<string, string>;
  /** Runs a block; resolves with its exit code and its interleaved stdout and stderr. */
  runBlock(block: DocBlock, timeoutMs: number): Promise<{ code: number | null; output: string }>;
  /** The background serve's log so far, and the scripted browser's. */
  serveLog(): Promise<string>;
  /** Stops the background serve (by the pid the shim recorded), the OpenID provider and the browser. */
  stop(): Promise<void>;
}

/** Prepares `dir` (empty, fresh) and starts `serve` there on `port`, and the OpenID provider. */
export async function prepareDocEnvironment(dir: string, port: number): Promise<DocEnvironment> {
  const state = join(dir, ".doctest");
  const bin = join(state, "bin");
  await mkdir(bin, { recursive: true });
  await writeFile(join(bin, "portcullis"), portcullisShim(), { mode: 0o755 });
  await writeFile(join(bin, "npx"), npxShim(), { mode: 0o755 });
  const podman = commandPath("podman");
  // Outside `dir`: podman refuses a runroot path longer than 50 characters.
  const podmanWork = join(tmpdir(), `doctest-podman-${randomBytes(8).toString("hex")}`);
  if (podman) {
    await writeFile(join(bin, "podman"), podmanShim(podman, await podmanIsolation(podmanWork)), {
      mode: 0o755,
    });
  }
  const home = join(dir, "home");
  await mkdir(home);
  const registryHost = hostAddress();
  const ca = await writeTlsFixtures(dir, join(state, "tls"), registryHost);
  const clientSecret = randomBytes(24).toString("base64url");
  await writeFile(join(dir, "oidc-client-secret"), `${clientSecret}\n`, { mode: 0o600 });
  const provider = await startOpenIdProvider({
    port: await freePort(),
    clientId: "portcullis",
    clientSecret,
    redirectUri: `https://${registryHost}:${port}/auth/oidc/callback`,
    claims: (id) => ({ sub: `sub-${id}`, preferred_username: id, email: `${id}@example.com` }),
  });
  let browser: BrowserControl | undefined;
  const site: DocSite = { port, registryHost, issuer: provider.issuer, webhookPort: await freePort() };
  const env: Record<string, string> = {
    PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    HOME: home,
    DOCTEST_STATE: state,
    PORTCULLIS_SERVER_LISTEN: `127.0.0.1:${port}`,
    PORTCULLIS_PASSWORD: "doctest",
    PORTCULLIS_LOG_LEVEL: "warn",
    BROWSER: join(bin, "browser"),
  };
  const bash = (script: string, timeoutMs = 120_000) => runDocScript(script, { cwd: dir, env, timeoutMs });
  const must = async (script: string) => {
    const result = await bash(script);
    if (result.code !== 0) throw new Error(`doctest setup failed: ${script}\n${result.stdout}`);
  };

  // The shim records the background serve's pid: stop it by that id, and wait until it is gone.
  const stop = async () => {
    await bash(
      `if [ -f .doctest/serve.pid ]; then pid=$(cat .doctest/serve.pid); kill "$pid" 2>/dev/null || true
       for _ in $(seq 1 300); do s=$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null || true); case "$s" in ""|Z*) break ;; esac; sleep 0.1; done; fi`,
    );
    await browser?.close();
    await provider.close();
    await rm(podmanWork, { recursive: true, force: true });
  };

  try {
    browser = await startBrowserControl(ca, join(state, "browser.log"));
    await writeFile(join(bin, "browser"), browser.script, { mode: 0o755 });
    const digest = await writeFixtures(dir, home);
    await must("skopeo copy --quiet oci:./layout:v1 docker-archive:app.tar:app:1");
    // The image the walkthrough's CI built: app:1.0 in podman's local storage.
    if (podman) await must("podman pull -q docker-archive:app.tar >/dev/null\npodman tag app:1 app:1.0");
    // Scan on push needs an advisory database to finish its scans (verify --scan api reads them).
    await must(`portcullis db import ${join(home, "osv", "Debian.zip")} >/dev/null\nportcullis serve`);
    // The images the README's commands name, pushed before its first block.
    const client = new RegistryClient({ registry: `127.0.0.1:${port}` });
    const image = { dir: join(dir, "layout"), digest };
    for (const [repo, tag] of [
      ["team/app", "1"],
      ["app", "1"],
      ["app", "1.0"],
    ] as const) {
      await pushLayoutImage(client, repo, image, tag);
    }
    await waitForScan(port, "app", digest);
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    dir,
    site,
    env,
    runBlock: async (block, timeoutMs) => {
      const result = await bash(rewriteAddresses(block.script, site), timeoutMs);
      return { code: result.code, output: result.stdout };
    },
    serveLog: async () => {
      const serve = await readFile(join(state, "serve.log"), "utf8").catch(() => "");
      const browsed = await readFile(join(state, "browser.log"), "utf8").catch(() => "");
      return `${serve}${browsed}`;
    },
    stop,
  };
}

/** The absolute path of a command on PATH, or undefined. */
function commandPath(name: string): string | undefined {
  for (const folder of (process.env.PATH ?? "").split(delimiter)) {
    if (folder !== "" && existsSync(join(folder, name))) return join(folder, name);
  }
  return undefined;
}

/**
 * What a reader running Portcullis for a team brings: `tls.crt` and `tls.key` for registry.example.com
 * (and the machine's address the runner uses for it), signed by `ca.crt`. Returns the CA's PEM text.
 */
async function writeTlsFixtures(dir: string, work: string, registryHost: string): Promise<string> {
  await mkdir(work, { recursive: true });
  const ca = makeCa(work, "ca");
  const issued = issueCertificate(ca, work, "tls", {
    dnsNames: ["registry.example.com"],
    ...(registryHost === "127.0.0.1" ? {} : { ipAddresses: [registryHost] }),
  });
  await cp(ca.cert, join(dir, "ca.crt"));
  await cp(issued.cert, join(dir, "tls.crt"));
  await cp(issued.key, join(dir, "tls.key"));
  return ca.pem;
}

/** Waits until scan on push has scanned the image, up to 90 s; a failed scan fails the setup. */
async function waitForScan(port: number, repo: string, digest: string): Promise<void> {
  const url = `http://127.0.0.1:${port}/api/v1/repositories/${repo}/manifests/${digest}/vulnerabilities`;
  let last = "";
  for (let i = 0; i < 900; i++) {
    const response = await fetch(url);
    last = await response.text();
    if (response.ok) {
      const status = (JSON.parse(last) as { status?: string }).status;
      if (status === "done") return;
      if (status === "failed") throw new Error(`doctest setup: scan on push failed: ${last}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`doctest setup: scan on push did not finish ${repo}@${digest}: ${last}`);
}

/**
 * The files the README assumes its reader has, each small:
 * - `my-layout` (OCI layout, tag v1) and `multi-arch` (a two-platform index, tag v1), for skopeo;
 * - `layout` (tag v1): a debian:bookworm-shaped image (its package list, os-release), scanned and signed;
 *   `app.tar` is the same as a `docker save` archive;
 * - `web` (tag 1.0): the same files under other labels (those require-labels.yaml asks for), so another
 *   digest; `web-pod-review.json` (the AdmissionReview of a Pod `shop/web` by alice@example.com),
 *   `web-events.json` (a Kubernetes audit EventList: alice creates the pod, bob execs into it) and
 *   `web-shell-alert.json` (Falco's "Terminal shell in container" in it), from test/docs/testdata, with
 *   IMAGE, REPOSITORY and NOW for a block to fill;
 * - `app.openvex.json`, `slsa.json` (a provenance predicate whose builder is https://ci.example.com),
 *   `Dockerfile` and `services/api/Dockerfile` (lint clean; the base pinned, so provenance asks no registry);
 * - `~/osv/Debian.zip`, `npm.zip`, `PyPI.zip`, `mirror-2026-12.zip` (Debian): OSV archives of one record
 *   each (none affects `layout`);
 * - `examples/`: the checkout's.
 * Beside them (`writeTlsFixtures`, `prepareDocEnvironment`): `ca.crt`, and `tls.crt` and `tls.key` that it
 * signed for registry.example.com and this machine's address; `oidc-client-secret`, the secret of the
 * client `portcullis` the OpenID provider knows (redirect URI https://registry.example.com:5000/auth/oidc/callback,
 * rewritten).
 * Returns the digest of `layout`'s image.
 */
async function writeFixtures(dir: string, home: string): Promise<string> {
  await cp(join(REPO_ROOT, "examples"), join(dir, "examples"), { recursive: true });
  await writeImageLayout(join(dir, "my-layout"), { tag: "v1", layerSizes: [4096] });
  await writeIndexLayout(join(dir, "multi-arch"), undefined, { tag: "v1", layerSizes: [4096] });
  const status = await readFile(join(REPO_ROOT, "test/docs/testdata/debian-bookworm-minbase.status"));
  const debian = [
    {
      "etc/": "",
      "etc/os-release": 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n',
      "var/": "",
      "var/lib/": "",
      "var/lib/dpkg/": "",
      "var/lib/dpkg/status": status,
    },
  ];
  const built = await buildImageLayout(join(dir, "layout"), debian, {
    tag: "v1",
    labels: { "org.opencontainers.image.source": "https://example.com/app" },
  });
  // Another build of the same files (its own labels, so its own digest): the image the four questions
  // follow. It carries the labels of require-labels.yaml: the README's push policy is still on then.
  await buildImageLayout(join(dir, "web"), debian, {
    tag: "1.0",
    labels: {
      "org.opencontainers.image.source": "https://example.com/web",
      "org.opencontainers.image.licenses": "MIT",
    },
  });
  for (const name of ["web-pod-review.json", "web-events.json", "web-shell-alert.json"]) {
    await cp(join(REPO_ROOT, "test/docs/testdata", name), join(dir, name));
  }
  await writeFile(
    join(dir, "app.openvex.json"),
    JSON.stringify({
      "@context": "https://openvex.dev/ns/v0.2.0",
      "@id": "https://example.com/vex/app-1",
      author: "security@example.com",
      timestamp: "2026-01-01T00:00:00Z",
      version: 1,
      statements: [
        {
          vulnerability: { name: "CVE-2023-4039" },
          products: [{ "@id": "pkg:deb/debian/gcc-12-base" }],
          status: "not_affected",
          justification: "vulnerable_code_not_in_execute_path",
        },
      ],
    }),
  );
  await writeFile(
    join(dir, "slsa.json"),
    JSON.stringify({
      buildDefinition: { buildType: "https://ci.example.com/build/v1", externalParameters: {} },
      runDetails: { builder: { id: "https://ci.example.com" } },
    }),
  );
  // Clean at every severity, its base pinned by digest (so provenance asks no registry).
  const dockerfile = [
    "# syntax=docker/dockerfile:1",
    `FROM docker.io/library/debian:12.8@sha256:${"0".repeat(64)}`,
    'LABEL org.opencontainers.image.source="https://example.com/app" \\',
    '      org.opencontainers.image.licenses="MIT"',
    "COPY --chown=10001:10001 app /app",
    "USER 10001",
    'HEALTHCHECK CMD ["/app", "health"]',
    'ENTRYPOINT ["/app"]',
    "",
  ].join("\n");
  await writeFile(join(dir, "Dockerfile"), dockerfile);
  await mkdir(join(dir, "services", "api"), { recursive: true });
  await writeFile(join(dir, "services", "api", "Dockerfile"), dockerfile);
  const osv = (id: string, ecosystem: string, name: string, fixed: string) => ({
    [`${id}.json`]: Buffer.from(
      JSON.stringify({
        schema_version: "1.6.0",
        id,
        modified: "2024-01-01T00:00:00Z",
        summary: `doctest record for ${name}`,
        affected: [
          {
            package: { ecosystem, name },
            ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed }] }],
          },
        ],
      }),
    ),
  });
  await mkdir(join(home, "osv"));
  await writeFile(join(home, "osv", "Debian.zip"), zipSync(osv("DSA-2014-1", "Debian:12", "bash", "4.3-7")));
  await writeFile(
    join(home, "osv", "npm.zip"),
    zipSync(osv("GHSA-0000-0000-0001", "npm", "left-pad", "1.3.0")),
  );
  await writeFile(join(home, "osv", "PyPI.zip"), zipSync(osv("PYSEC-0000-1", "PyPI", "requests", "2.0.0")));
  await writeFile(
    join(home, "osv", "mirror-2026-12.zip"),
    zipSync(osv("DSA-2016-1", "Debian:12", "tar", "1.16-1")),
  );
  return built.digest;
}
