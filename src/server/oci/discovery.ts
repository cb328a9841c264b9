import { MEDIA_TYPE_OCI_INDEX } from "../../oci/index.js";
import { RegistryError } from "../../registry/index.js";
import { nextLink, type OciContext } from "./context.js";

export async function listTags(ctx: OciContext): Promise<void> {
  const n = pageParam(ctx.query.get("n"));
  const last = ctx.query.get("last") ?? undefined;
  const page = await ctx.platform.registry.discovery.tags(ctx.repository, { n, last });
  if (page.next) {
    ctx.reply.header("Link", nextLink(`/v2/${ctx.repository}/tags/list`, { n: String(n), last: page.next }));
  }
  return ctx.reply.type("application/json").send({ name: ctx.repository, tags: page.items });
}

export async function listCatalog(ctx: OciContext): Promise<void> {
  const n = pageParam(ctx.query.get("n"));
  const last = ctx.query.get("last") ?? undefined;
  const identity = ctx.platform.identity;
  const caller = ctx.request.identity;
  const page = await ctx.platform.registry.discovery.catalog({
    n,
    last,
    // Accounts mode: only what the caller may pull (a token's own scope does not narrow the catalog).
    ...(identity
      ? {
          visible: (names: string[]) => identity.access.visible({ ...caller, tokenAccess: undefined }, names),
        }
      : {}),
  });
  if (page.next) ctx.reply.header("Link", nextLink("/v2/_catalog", { n: String(n), last: page.next }));
  return ctx.reply.type("application/json").send({ repositories: page.items });
}

/** GET /v2/<name>/referrers/<digest>[?artifactType=] (distribution spec 1.1, "Listing Referrers"). */
export async function listReferrers(ctx: OciContext): Promise<void> {
  const artifactType = ctx.query.get("artifactType") ?? undefined;
  const n = pageParam(ctx.query.get("n"));
  const last = ctx.query.get("last") ?? undefined;
  const page = await ctx.platform.registry.discovery.referrers(ctx.repository, ctx.param, {
    artifactType,
    n,
    last,
  });
  if (artifactType !== undefined) ctx.reply.header("OCI-Filters-Applied", "artifactType");
  if (page.next) {
    const params: Record<string, string> = { last: page.next };
    if (n !== undefined) params.n = String(n);
    if (artifactType !== undefined) params.artifactType = artifactType;
    ctx.reply.header("Link", nextLink(`/v2/${ctx.repository}/referrers/${ctx.param}`, params));
  }
  // A Buffer, not a string: Fastify appends "; charset=utf-8" to string bodies, and the specification
  // requires the Content-Type to be exactly the index media type.
  const body = { schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_INDEX, manifests: page.items };
  return ctx.reply.type(MEDIA_TYPE_OCI_INDEX).send(Buffer.from(JSON.stringify(body)));
}

function pageParam(value: string | null): number | undefined {
  if (value === null || value === "") return undefined;
  if (!/^\d+$/.test(value))
    throw new RegistryError("SIZE_INVALID", `invalid page size n=${value.slice(0, 20)}`);
  return Number(value);
}
