import { type LookupAddress, lookup } from "node:dns";
import { BlockList, isIP } from "node:net";

/**
 * Where a webhook may send (a guard against server-side request forgery: a project admin must not be
 * able to make the server call its cloud's metadata service). Checked when a subscription is saved
 * (the URL as written) and again on every connection (each address the name resolves to, in the
 * socket's own lookup, so a name that later resolves elsewhere is caught too).
 *
 * - `https:` anywhere allowed below; `http:` only to loopback unless the subscription allows it
 *   explicitly (`allowInsecure`), since the body and its signature would cross the network in clear.
 * - Never: link-local addresses (169.254.0.0/16, fe80::/10: where cloud metadata services answer,
 *   169.254.169.254 and fd00:ec2::254), the unspecified address, multicast and broadcast, nor the
 *   metadata host names. Private ranges (10/8, 172.16/12, 192.168/16, fc00::/7) are allowed: receivers
 *   inside the organisation are the common case.
 * - No user name or password in the URL (it would be stored and shown).
 */
const FORBIDDEN = new BlockList();
FORBIDDEN.addSubnet("0.0.0.0", 8, "ipv4");
FORBIDDEN.addSubnet("169.254.0.0", 16, "ipv4");
FORBIDDEN.addSubnet("224.0.0.0", 4, "ipv4");
FORBIDDEN.addSubnet("240.0.0.0", 4, "ipv4");
FORBIDDEN.addAddress("::", "ipv6");
FORBIDDEN.addSubnet("fe80::", 10, "ipv6");
FORBIDDEN.addSubnet("ff00::", 8, "ipv6");
FORBIDDEN.addAddress("fd00:ec2::254", "ipv6");

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");

const FORBIDDEN_NAMES = new Set(["metadata.google.internal", "metadata", "instance-data"]);

export const MAX_URL_LENGTH = 2048;

/** The address as a BlockList checks it: IPv4-mapped IPv6 (`::ffff:a.b.c.d`) as its IPv4 address. */
function normalise(address: string): { address: string; family: "ipv4" | "ipv6" } | undefined {
  const bare = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return { address: mapped[1]!, family: "ipv4" };
  const version = isIP(bare);
  if (version === 4) return { address: bare, family: "ipv4" };
  if (version === 6) return { address: bare, family: "ipv6" };
  return undefined;
}

/** Why an address may not be called, or undefined when it may. */
export function refusedAddress(address: string): string | undefined {
  const ip = normalise(address);
  if (!ip) return `${address} is not an IP address`;
  if (FORBIDDEN.check(ip.address, ip.family))
    return `${address} is a link-local, metadata, unspecified or multicast address`;
  return undefined;
}

export function isLoopbackHost(host: string): boolean {
  if (host === "localhost") return true;
  const ip = normalise(host);
  return ip !== undefined && LOOPBACK.check(ip.address, ip.family);
}

/** Why a subscription's URL is refused, or undefined when it is acceptable. */
export function refusedUrl(text: string, allowInsecure: boolean): string | undefined {
  if (text.length > MAX_URL_LENGTH) return `the URL is longer than ${MAX_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "the URL is not an absolute URL";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return "the URL must be https:// (or http:// to loopback)";
  if (url.username !== "" || url.password !== "") return "the URL must not hold a user name or password";
  const host = url.hostname.toLowerCase();
  if (FORBIDDEN_NAMES.has(host.replace(/\.$/, ""))) return `${host} is a cloud metadata service`;
  if (isIP(host.replace(/^\[|\]$/g, "")) !== 0) {
    const refused = refusedAddress(host);
    if (refused) return refused;
  }
  if (url.protocol === "http:" && !allowInsecure && !isLoopbackHost(host.replace(/^\[|\]$/g, ""))) {
    return "plain http:// is allowed only to loopback; use https:// or allow it explicitly (allowInsecure)";
  }
  return undefined;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for http.request: resolves as usual, then refuses the connection when any address the
 * name resolves to is forbidden (one bad answer is enough: a resolver could rotate between them).
 */
export function guardedLookup(
  hostname: string,
  options: { all?: boolean; family?: number | string },
  callback: LookupCallback,
): void {
  lookup(hostname, { ...options, all: true } as { all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    for (const { address } of addresses) {
      const refused = refusedAddress(address);
      if (refused) {
        const error = new Error(`refused to connect to ${hostname}: ${refused}`) as NodeJS.ErrnoException;
        error.code = "ADDRESS_REFUSED";
        return callback(error, []);
      }
    }
    if (options.all) return callback(null, addresses);
    const first = addresses[0]!;
    callback(null, first.address, first.family);
  });
}
