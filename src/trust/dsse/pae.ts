/**
 * DSSE v1 Pre-Authentication Encoding (secure-systems-lab/dsse protocol.md):
 *   PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
 * where LEN is the byte length as ASCII decimal with no leading zeros and type is UTF-8.
 */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, "utf8");
  const head = Buffer.from(`DSSEv1 ${type.length} `, "ascii");
  const mid = Buffer.from(` ${payload.length} `, "ascii");
  return Buffer.concat([head, type, mid, payload]);
}
