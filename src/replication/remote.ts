import { isPortcullisError } from "../core/index.js";
import { MEDIA_TYPE_OCI_INDEX, type RegistryClient } from "../oci/index.js";
import type { EndpointManifest, RegistryEndpoint } from "./endpoint.js";
import { ReplicationError } from "./errors.js";

/** Catalog pages followed at most: a registry whose Link header loops must not hold a run forever. */
const MAX_CATALOG_PAGES = 1000;
/** Bytes read of one catalog page. */
const MAX_CATALOG_PAGE_BYTES = 4 * 1024 * 1024;

const absent = (err: unknown) => isPortcullisError(err) && err.code === "IMAGE_NOT_FOUND";

/** Another registry (Distribution, another Portcullis, any OCI 1.1 registry) through RegistryClient. */
export function remoteEndpoint(client: RegistryClient): RegistryEndpoint {
  return {
    name: client.registry,
    async repositories() {
      // spec.md leaves /v2/_catalog optional; Distribution and Portcullis serve it, paged by Link.
      const names: string[] = [];
      let url: string | undefined = `${client.baseUrl}/v2/_catalog?n=1000`;
      for (let page = 0; url !== undefined && page < MAX_CATALOG_PAGES; page++) {
        const res: Response = await client.request("GET", "", { url, scopes: ["registry:catalog:*"] });
        if (res.status !== 200) return client.failure(res, `catalog of ${client.registry}`);
        const text = await readCapped(res, MAX_CATALOG_PAGE_BYTES);
        const body = JSON.parse(text) as { repositories?: unknown };
        if (Array.isArray(body.repositories)) {
          names.push(...body.repositories.filter((n): n is string => typeof n === "string"));
        }
        url = nextLink(res.headers.get("link"), url);
      }
      return names;
    },
    async tags(repository) {
      try {
        return await client.listTags(repository);
      } catch (err) {
        if (absent(err)) return [];
        throw err;
      }
    },
    async resolve(repository, reference) {
      const head = await client.headManifest(repository, reference);
      if (head === undefined) return undefined;
      if (head.digest) return head.digest;
      // A registry that omits Docker-Content-Digest on HEAD: the body says it.
      return (await client.getManifest(repository, reference)).digest;
    },
    async getManifest(repository, reference): Promise<EndpointManifest> {
      const got = await client.getManifest(repository, reference);
      return { bytes: got.bytes, mediaType: got.mediaType, digest: got.digest };
    },
    async putManifest(repository, reference, bytes, mediaType) {
      await client.putManifest(repository, reference, bytes, mediaType);
    },
    async deleteManifest(repository, digest) {
      try {
        await client.deleteManifest(repository, digest);
      } catch (err) {
        if (!absent(err)) throw err;
      }
    },
    hasBlob: (repository, digest) => client.blobExists(repository, digest),
    getBlob: (repository, digest, size) => client.getBlob(repository, digest, size),
    async mountBlob(repository, digest, from) {
      // pushBlob mounts first and uploads only when the registry refuses: with no data to fall back
      // on, a refused mount would fail the upload, which is our "cannot".
      try {
        await client.pushBlob(repository, {
          data: () => {
            throw new ReplicationError("REPLICATION_FAILED", "mount refused");
          },
          digest,
          size: 0,
          mountFrom: from,
        });
        return true;
      } catch {
        return false;
      }
    },
    async putBlob(repository, digest, size, open) {
      await client.pushBlob(repository, { data: open, digest, size });
    },
    referrers: (repository, digest) => client.getReferrers(repository, digest),
    async indexesReferrers(repository, digest) {
      const res = await client.request("GET", `/v2/${repository}/referrers/${digest}`, {
        scopes: [`repository:${repository}:pull`],
        headers: { Accept: MEDIA_TYPE_OCI_INDEX },
      });
      await res.body?.cancel();
      return res.status === 200;
    },
  };
}

/** A catalog page's text, refused past `max` bytes without holding more than that (a remote is not trusted). */
async function readCapped(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (declared > max || !res.body) {
    await res.body?.cancel();
    if (declared > max) throw new ReplicationError("REPLICATION_FAILED", "catalog page too large");
    return "";
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.length;
    if (total > max) throw new ReplicationError("REPLICATION_FAILED", "catalog page too large");
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString("utf8");
}

function nextLink(header: string | null, base: string): string | undefined {
  const match = header === null ? null : /<([^>]*)>\s*;\s*rel="?next"?/i.exec(header);
  return match ? new URL(match[1]!, base).toString() : undefined;
}
