import type { Descriptor } from "../descriptor.js";
import { ImageError } from "../errors.js";
import { parseManifest } from "../manifest.js";
import { MEDIA_TYPE_OCI_INDEX } from "../media-types.js";
import { readLimited } from "./http.js";
import { pull, type RegistryClient } from "./registry-client.js";

/** Pages are followed at most this many times: a registry whose Link loops must not hang us. */
const MAX_PAGES = 10_000;

/** RFC 8288 Link header: the URL of rel="next", if any. */
export function nextLink(header: string | null, base: string): string | undefined {
  if (header === null) return undefined;
  for (const part of header.split(",")) {
    const match = /<([^>]*)>\s*;(.*)$/.exec(part.trim());
    if (match && /rel="?next"?/i.test(match[2]!)) return new URL(match[1]!, base).toString();
  }
  return undefined;
}

export async function listTagPages(
  client: RegistryClient,
  repo: string,
  pageSize?: number,
): Promise<string[]> {
  const tags: string[] = [];
  let url: string | undefined = `${client.baseUrl}/v2/${repo}/tags/list${pageSize ? `?n=${pageSize}` : ""}`;
  for (let page = 0; url !== undefined; page++) {
    if (page >= MAX_PAGES)
      throw new ImageError("REGISTRY_ERROR", `${client.registry}/${repo}: too many tag pages`);
    const res = await client.request("GET", "", { url, scopes: [pull(repo)] });
    if (res.status !== 200) return client.failure(res, `tags of ${client.registry}/${repo}`);
    const body = JSON.parse((await readLimited(res, client.maxBodyBytes, "tag list")).toString("utf8")) as {
      tags?: string[] | null;
    };
    tags.push(...(body.tags ?? []));
    url = nextLink(res.headers.get("link"), url);
  }
  return tags;
}

/**
 * spec.md "Listing Referrers": GET /v2/<name>/referrers/<digest>[?artifactType=]. A registry
 * without the API answers 404; clients then read the image index tagged `<alg>-<hex>` (the
 * "referrers tag schema"), which is absent when nothing refers to the digest. Filtering is
 * repeated here when the registry did not apply it (no OCI-Filters-Applied header).
 */
export async function listReferrers(
  client: RegistryClient,
  repo: string,
  digest: string,
  artifactType?: string,
): Promise<Descriptor[]> {
  const query = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : "";
  let url: string | undefined = `${client.baseUrl}/v2/${repo}/referrers/${digest}${query}`;
  const found: Descriptor[] = [];
  for (let page = 0; url !== undefined; page++) {
    if (page >= MAX_PAGES)
      throw new ImageError("REGISTRY_ERROR", `${client.registry}/${repo}: too many referrer pages`);
    const res = await client.request("GET", "", {
      url,
      scopes: [pull(repo)],
      headers: { Accept: MEDIA_TYPE_OCI_INDEX },
    });
    if (res.status === 404 && page === 0) {
      await res.body?.cancel();
      return filter(await fromTagSchema(client, repo, digest), artifactType);
    }
    if (res.status !== 200)
      return client.failure(res, `referrers of ${digest} in ${client.registry}/${repo}`);
    const bytes = await readLimited(res, client.maxBodyBytes, "referrers index");
    const filtered = (res.headers.get("oci-filters-applied") ?? "").includes("artifactType");
    const manifests = parseManifest(bytes, MEDIA_TYPE_OCI_INDEX).manifests;
    found.push(...(filtered ? manifests : filter(manifests, artifactType)));
    url = nextLink(res.headers.get("link"), url);
  }
  return found;
}

async function fromTagSchema(client: RegistryClient, repo: string, digest: string): Promise<Descriptor[]> {
  const tag = digest.replace(":", "-");
  try {
    const index = await client.getManifest(repo, tag, [MEDIA_TYPE_OCI_INDEX]);
    return parseManifest(index.bytes, index.mediaType).manifests;
  } catch (err) {
    if (err instanceof ImageError && err.code === "IMAGE_NOT_FOUND") return [];
    throw err;
  }
}

function filter(manifests: Descriptor[], artifactType: string | undefined): Descriptor[] {
  return artifactType === undefined ? manifests : manifests.filter((m) => m.artifactType === artifactType);
}
