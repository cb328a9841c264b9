import type { Distro } from "../model.js";
import { type NameValue, PROP, propertyValue } from "./properties.js";

/**
 * The operating system's os-release fields beyond name and version, as name/value pairs beside
 * the operating-system component (CycloneDX) or package (SPDX), and back. Reading also
 * understands syft's "syft:distro:*" properties.
 */

export function distroFacts(distro: Distro): NameValue[] {
  const facts: NameValue[] = [{ name: PROP.distroId, value: distro.id }];
  if (distro.versionId) facts.push({ name: PROP.distroVersionId, value: distro.versionId });
  if (distro.versionCodename) facts.push({ name: PROP.distroCodename, value: distro.versionCodename });
  if (distro.prettyName) facts.push({ name: PROP.distroPrettyName, value: distro.prettyName });
  if (distro.idLike?.length) facts.push({ name: PROP.distroIdLike, value: distro.idLike.join(" ") });
  return facts;
}

export function distroFromFacts(
  facts: readonly NameValue[],
  name: string,
  version: string | undefined,
): Distro {
  const fact = (ours: string, syft: string) =>
    propertyValue(facts, ours) ?? propertyValue(facts, `syft:distro:${syft}`);
  const distro: Distro = { id: (fact(PROP.distroId, "id") ?? name).toLowerCase() };
  const versionId = fact(PROP.distroVersionId, "versionID") ?? version;
  if (versionId) distro.versionId = versionId;
  const codename = fact(PROP.distroCodename, "versionCodename");
  if (codename) distro.versionCodename = codename;
  const pretty = fact(PROP.distroPrettyName, "prettyName");
  if (pretty) distro.prettyName = pretty;
  const idLike = fact(PROP.distroIdLike, "idLike");
  if (idLike) distro.idLike = idLike.split(" ").filter((s) => s !== "");
  return distro;
}
