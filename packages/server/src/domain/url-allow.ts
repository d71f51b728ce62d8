// Which destinations a server-side URL fetch may reach. Public unicast addresses are always
// allowed; everything else (loopback, private, link-local, CGNAT, multicast, cloud metadata, …)
// only when the operator lists the host or a range in VIREO_URL_INGEST_ALLOW.
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

export interface AllowList {
  /** Lower-case host names; an entry starting with "." matches every subdomain ("*.x" is stored as ".x"). */
  hosts: string[];
  /** Address ranges; a single address is a /32 or /128. */
  ranges: { address: Address; prefix: number; text: string }[];
}

export const EMPTY_ALLOW_LIST: AllowList = { hosts: [], ranges: [] };

/**
 * Parses "host, *.suffix, 10.0.0.0/8, 127.0.0.1, ::1, fd00::/8". Throws an Error naming the bad
 * entry; config.ts turns it into a configuration problem.
 */
export function parseAllowList(raw: string | undefined): AllowList {
  const list: AllowList = { hosts: [], ranges: [] };
  if (raw === undefined) return list;
  for (const entry of raw.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    if (/^[0-9a-f.:]+\/\d+$/i.test(entry)) {
      try {
        const [address, prefix] = ipaddr.parseCIDR(entry);
        list.ranges.push({ address, prefix, text: entry });
      } catch {
        throw new Error(`"${entry}" is not a valid CIDR range (e.g. 10.0.0.0/8 or fd00::/8)`);
      }
    } else if (ipaddr.isValid(stripBrackets(entry))) {
      const address = ipaddr.parse(stripBrackets(entry));
      list.ranges.push({ address, prefix: address.kind() === 'ipv4' ? 32 : 128, text: entry });
    } else if (/^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.?$/i.test(entry)) {
      const host = entry.toLowerCase().replace(/\.$/, '');
      list.hosts.push(host.startsWith('*.') ? host.slice(1) : host);
    } else {
      throw new Error(`"${entry}" is neither a host name, an IP address nor a CIDR range`);
    }
  }
  return list;
}

/** True when the operator listed this host name (exactly, or through a "*.suffix" entry). */
export function hostAllowed(allow: AllowList, hostname: string): boolean {
  const host = stripBrackets(hostname).toLowerCase().replace(/\.$/, '');
  return allow.hosts.some((h) => (h.startsWith('.') ? host.endsWith(h) : host === h));
}

// Addresses of instance-metadata services. Listing a whole range does not open these: only an
// entry for the exact address does, so "169.254.0.0/16" for a link-local NAS stays safe.
const METADATA_ADDRESSES = new Set([
  '169.254.169.254', // AWS, GCP, Azure, OpenStack, DigitalOcean…
  '169.254.170.2', // AWS ECS task metadata
  '169.254.169.253', // AWS DNS resolver
  '100.100.100.200', // Alibaba Cloud
  '192.0.0.192', // Oracle Cloud
  'fd00:ec2::254', // AWS IPv6
]);

const RANGE_NAMES: Record<string, string> = {
  unspecified: 'an unspecified',
  broadcast: 'a broadcast',
  multicast: 'a multicast',
  linkLocal: 'a link-local',
  loopback: 'a loopback',
  carrierGradeNat: 'a carrier-grade NAT (100.64.0.0/10)',
  private: 'a private',
  uniqueLocal: 'a private (unique local)',
  ipv4Mapped: 'an IPv4-mapped IPv6',
  reserved: 'a reserved',
};

/**
 * Why a fetch may not connect to `text` (an IP address), or undefined when it may. The message is
 * meant for the user who submitted the URL and the operator who can allow it. `hostListed`: the
 * name resolved to `text` is listed, which opens every address but the metadata ones (a listed name
 * whose DNS an attacker controls must not reach instance credentials).
 */
export function refusalFor(allow: AllowList, text: string, options: { hostListed?: boolean } = {}): string | undefined {
  let address: Address;
  try {
    address = ipaddr.parse(stripBrackets(text));
  } catch {
    return `refused: ${text} is not an IP address`;
  }
  const normalized = address.toString();
  // The IPv4 behind an IPv4-mapped IPv6 address is what the packets reach: judge that too.
  const embedded = address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() ? (address as ipaddr.IPv6).toIPv4Address() : undefined;
  const candidates: Address[] = embedded ? [address, embedded] : [address];
  const exactlyListed = allow.ranges.some((r) => r.prefix === (r.address.kind() === 'ipv4' ? 32 : 128) && candidates.some((c) => sameKind(c, r.address) && c.match(r.address, r.prefix)));
  if (candidates.some((c) => METADATA_ADDRESSES.has(c.toString()))) {
    return exactlyListed ? undefined : `refused: ${normalized} is a cloud metadata address; allow it with VIREO_URL_INGEST_ALLOW=${normalized} (the exact address; ranges and host names do not cover it)`;
  }
  if (options.hostListed) return undefined;
  if (allow.ranges.some((r) => candidates.some((c) => sameKind(c, r.address) && c.match(r.address, r.prefix)))) return undefined;
  const range = address.range();
  if (range === 'unicast') return undefined;
  const what = RANGE_NAMES[range] ?? `a special-purpose (${range})`;
  return `refused: ${normalized} is ${what} address; allow it with VIREO_URL_INGEST_ALLOW`;
}

function sameKind(a: Address, b: Address): boolean {
  return a.kind() === b.kind();
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
