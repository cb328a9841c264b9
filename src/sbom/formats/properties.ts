/**
 * Names of the facts we record beside a component (CycloneDX `properties`) or a package (SPDX
 * `annotations`). CycloneDX asks producers to namespace their property names
 * (cyclonedx.org/docs/1.6/json/#components_items_properties, and the cyclonedx-property-taxonomy
 * repository); Trivy writes "aquasecurity:trivy:…", syft "syft:…". Ours are "portcullis:…", and
 * indexed facts follow syft's "syft:location:0:path" shape so a list survives as flat pairs.
 */

export const NS = "portcullis";

export const PROP = {
  cataloger: `${NS}:package:cataloger`,
  sourceName: `${NS}:package:source:name`,
  sourceVersion: `${NS}:package:source:version`,
  /** A dependency name that matched no package of the document (kept so it is not lost). */
  unresolvedDependency: `${NS}:package:dependsOn:unresolved`,
  subjectKind: `${NS}:subject:kind`,
  indexDigest: `${NS}:image:indexDigest`,
  platformOs: `${NS}:image:platform:os`,
  platformArchitecture: `${NS}:image:platform:architecture`,
  platformVariant: `${NS}:image:platform:variant`,
  platformOsVersion: `${NS}:image:platform:os.version`,
  distroId: `${NS}:distro:id`,
  distroVersionId: `${NS}:distro:versionId`,
  distroCodename: `${NS}:distro:versionCodename`,
  distroPrettyName: `${NS}:distro:prettyName`,
  distroIdLike: `${NS}:distro:idLike`,
} as const;

export const locationProp = (index: number, field: "path" | "layerIndex" | "layerDigest"): string =>
  `${NS}:location:${index}:${field}`;
export const metadataProp = (key: string): string => `${NS}:metadata:${key}`;
export const labelProp = (key: string): string => `${NS}:image:label:${key}`;
export const layerProp = (index: number, field: "digest" | "size"): string =>
  `${NS}:image:layer:${index}:${field}`;

/** Why the document is incomplete (SbomDocument.incomplete), one indexed pair per reason. */
export const incompleteProp = (index: number, field: "code" | "message"): string =>
  `${NS}:incomplete:${index}:${field}`;

/** Matches our indexed property names: [whole, index, field]. */
export const LOCATION_PROP = new RegExp(`^${NS}:location:(\\d+):(path|layerIndex|layerDigest)$`);
export const LAYER_PROP = new RegExp(`^${NS}:image:layer:(\\d+):(digest|size)$`);
export const INCOMPLETE_PROP = new RegExp(`^${NS}:incomplete:(\\d+):(code|message)$`);
export const METADATA_PREFIX = `${NS}:metadata:`;
export const LABEL_PREFIX = `${NS}:image:label:`;

export interface NameValue {
  name: string;
  value: string;
}

/** Looks a property up by name in a list of pairs (first match). */
export function propertyValue(props: readonly NameValue[], name: string): string | undefined {
  return props.find((p) => p.name === name)?.value;
}
