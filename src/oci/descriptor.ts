/**
 * Content descriptors (OCI Image Spec 1.1, descriptor.md): a typed, sized, content-addressed pointer.
 * `parseManifest` validates every descriptor it returns; see schema.ts for the rules.
 */

/** The platform of an index entry (image-index.md#image-index-property-descriptions). */
export interface Platform {
  architecture: string;
  os: string;
  "os.version"?: string;
  "os.features"?: string[];
  variant?: string;
  features?: string[];
}

export interface Descriptor {
  /** RFC 6838 media type of the referenced content. */
  mediaType: string;
  /** Canonical `algorithm:hex` digest (sha256 or sha512). */
  digest: string;
  /** Size in bytes; a non-negative safe integer. */
  size: number;
  /** Alternate download locations (non-distributable layers). */
  urls?: string[];
  annotations?: Record<string, string>;
  artifactType?: string;
  /** Only meaningful on index entries. */
  platform?: Platform;
  /** The content itself, base64; when present it has been checked against `size` and `digest`. */
  data?: string;
}
