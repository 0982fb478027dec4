// SSRF policy: decides whether a source host may be fetched, and pins the exact address to connect to.
//
// Used by the prover's ws→TCP proxy (the only way the prover reaches a server) and by the API to pre-check
// spec URLs. The name is resolved here, every resolved address must be public, and the caller connects to
// the address returned (never re-resolving), so DNS rebinding cannot swap in an internal address.
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { VeritasError } from './errors.ts';

export type ResolvedAddress = { address: string; family: 4 | 6 };
/** Resolves a host name to all its addresses. Injectable so tests can simulate DNS answers. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export type SsrfPolicy = {
  /**
   * Explicit exceptions, e.g. `{ 'api.veritas.test': '127.0.0.1:4443' }` on a devnet: the host name is
   * connected to the given address and port without any check. Never implicit, never a wildcard.
   */
  allowList?: Readonly<Record<string, string>>;
  /** Ports a source may be fetched on; 443 only by default (MPC-TLS is HTTPS). */
  allowedPorts?: readonly number[];
  resolve?: Resolver;
};

export type CheckedTarget = {
  host: string;
  port: number;
  /** The IP address (or allow-listed host) to connect to, and nothing else. */
  connectHost: string;
  connectPort: number;
  allowListed: boolean;
};

const forbidden4: ReadonlyArray<[string, number, string]> = [
  ['0.0.0.0', 8, 'unspecified / "this network"'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'CGNAT shared address space'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay anycast'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved / broadcast'],
];

// IPv6 is allowed only inside global unicast 2000::/3; these are carved out of it. Everything outside
// (::, ::1, fc00::/7, fe80::/10, ff00::/8, 64:ff9b::/96 NAT64, IPv4-compatible ::/96) is refused by that rule.
const forbidden6InGlobal: ReadonlyArray<[string, number, string]> = [
  ['2001::', 23, 'IETF protocol assignments (incl. Teredo)'],
  ['2001:db8::', 32, 'documentation'],
  ['2002::', 16, '6to4 (embeds an IPv4 address)'],
  ['3fff::', 20, 'documentation'],
];

const v4Rules = forbidden4.map(([net, prefix, reason]) => {
  const list = new BlockList();
  list.addSubnet(net, prefix, 'ipv4');
  return { list, reason };
});
const v6Rules = forbidden6InGlobal.map(([net, prefix, reason]) => {
  const list = new BlockList();
  list.addSubnet(net, prefix, 'ipv6');
  return { list, reason };
});
const globalUnicast6 = new BlockList();
globalUnicast6.addSubnet('2000::', 3, 'ipv6');

/** The embedded IPv4 address of an IPv4-mapped IPv6 address (`::ffff:a.b.c.d` or `::ffff:xxxx:xxxx`). */
function mappedIPv4(ip: string): string | null {
  const m = /^(?:0{0,4}:){0,5}:?ffff:(.+)$/i.exec(ip);
  if (!m?.[1]) return null;
  const tail = m[1];
  if (isIP(tail) === 4) return tail;
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(tail);
  if (!hex?.[1] || !hex[2]) return null;
  const hi = parseInt(hex[1], 16);
  const lo = parseInt(hex[2], 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** Why an IP address must not be connected to, or null when it is a public unicast address. */
export function forbiddenReason(ip: string): string | null {
  const family = isIP(ip);
  if (family === 4) {
    for (const r of v4Rules) if (r.list.check(ip, 'ipv4')) return r.reason;
    return null;
  }
  if (family === 6) {
    // Refused outright, whatever the embedded address: a mapped form is a way to smuggle an IPv4 target.
    if (mappedIPv4(ip) !== null) return 'IPv4-mapped IPv6';
    if (!globalUnicast6.check(ip, 'ipv6'))
      return 'not IPv6 global unicast (loopback, unspecified, ULA, link-local, multicast, NAT64 or reserved)';
    for (const r of v6Rules) if (r.list.check(ip, 'ipv6')) return r.reason;
    return null;
  }
  return 'not an IP address';
}

const refuse = (host: string, reason: string, details: Record<string, unknown> = {}): VeritasError =>
  new VeritasError('SSRF_REFUSED', `refused to connect to "${host}": ${reason}`, {
    field: 'url',
    details: { host, ...details },
  });

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/;

const defaultResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

/** Splits "host:port" / "[v6]:port". */
export function parseHostPort(target: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(target);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535) throw refuse(target, 'expected host:port');
  return { host: host.toLowerCase(), port };
}

/**
 * Checks a target against the policy and returns the one address to connect to. Throws SSRF_REFUSED for a
 * forbidden port, a malformed name, a forbidden literal address, or a name with ANY forbidden address; throws
 * SERVER_UNREACHABLE (transient) when the name does not resolve.
 */
export async function checkTarget(host: string, port: number, policy: SsrfPolicy = {}): Promise<CheckedTarget> {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  const listed = policy.allowList?.[name];
  if (listed !== undefined) {
    const to = parseHostPort(listed);
    return { host: name, port, connectHost: to.host, connectPort: to.port, allowListed: true };
  }
  const ports = policy.allowedPorts ?? [443];
  if (!ports.includes(port)) throw refuse(name, `port ${port} is not allowed (allowed: ${ports.join(', ')})`, { port });
  if (isIP(name)) {
    const reason = forbiddenReason(name);
    if (reason) throw refuse(name, reason, { address: name });
    return { host: name, port, connectHost: name, connectPort: port, allowListed: false };
  }
  if (!HOSTNAME.test(name)) throw refuse(name, 'not a valid DNS host name');
  let addresses: ResolvedAddress[];
  try {
    addresses = await (policy.resolve ?? defaultResolver)(name);
  } catch (e) {
    throw new VeritasError('SERVER_UNREACHABLE', `cannot resolve "${name}": ${(e as Error).message}`, {
      field: 'url',
      cause: e,
    });
  }
  if (addresses.length === 0)
    throw new VeritasError('SERVER_UNREACHABLE', `"${name}" has no address`, { field: 'url' });
  for (const a of addresses) {
    const reason = forbiddenReason(a.address);
    // The address stays in `details` (the operator's own log): in a public message it would be a DNS oracle.
    if (reason) throw refuse(name, `it resolves to a forbidden address (${reason})`, { address: a.address });
  }
  const chosen = addresses[0] as ResolvedAddress;
  return { host: name, port, connectHost: chosen.address, connectPort: port, allowListed: false };
}

/** Checks a URL (https only) — the API's pre-check of a spec's source URL. */
export async function checkUrl(url: string, policy: SsrfPolicy = {}): Promise<CheckedTarget> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw refuse(url, 'not a valid URL');
  }
  if (u.protocol !== 'https:') throw refuse(url, 'only https URLs can be fetched under MPC-TLS');
  if (u.username || u.password) throw refuse(url, 'credentials in the URL are not allowed');
  return checkTarget(u.hostname, u.port === '' ? 443 : Number(u.port), policy);
}
