/**
 * Where webhooks may connect (SSRF, issue 15 item 3): an admin names the URL, so without care an
 * admin key could make Muster reach the database, a cloud metadata service (169.254.169.254) or
 * anything else on the private network. Every address a request would connect to is checked at
 * connect time, after DNS resolution (a name that resolved to a public address when saved can
 * resolve to 127.0.0.1 later: DNS rebinding), and redirects are never followed.
 *
 * Refused unless the operator allows them (MUSTER_WEBHOOKS_ALLOW_PRIVATE, MUSTER_WEBHOOKS_ALLOWED_CIDRS,
 * docs/configuration.md): the special-purpose ranges of the IANA registries
 * (https://www.iana.org/assignments/iana-ipv4-special-registry/,
 * https://www.iana.org/assignments/iana-ipv6-special-registry/), multicast and reserved space.
 */
import dns from 'node:dns';
import net from 'node:net';

const V4: readonly (readonly [string, number])[] = [
  ['0.0.0.0', 8], // "this network" (RFC 791); 0.0.0.0 reaches the local host on Linux
  ['10.0.0.0', 8], // private (RFC 1918)
  ['100.64.0.0', 10], // carrier-grade NAT (RFC 6598)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata services (RFC 3927)
  ['172.16.0.0', 12], // private (RFC 1918)
  ['192.0.0.0', 24], // IETF protocol assignments (RFC 6890)
  ['192.0.2.0', 24], // documentation (RFC 5737)
  ['192.88.99.0', 24], // 6to4 relay anycast (RFC 7526)
  ['192.168.0.0', 16], // private (RFC 1918)
  ['198.18.0.0', 15], // benchmarking (RFC 2544)
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast (RFC 5771)
  ['240.0.0.0', 4], // reserved, and 255.255.255.255 broadcast
];

const V6: readonly (readonly [string, number])[] = [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b::', 96], // NAT64 (RFC 6052): reaches IPv4 addresses through a translator
  ['64:ff9b:1::', 48], // local-use NAT64 (RFC 8215)
  ['100::', 64], // discard-only (RFC 6666)
  ['2001::', 23], // IETF protocol assignments (Teredo and others)
  ['2001:db8::', 32], // documentation (RFC 3849)
  ['2002::', 16], // 6to4 (RFC 3056): embeds an IPv4 address
  ['fc00::', 7], // unique local (RFC 4193)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local, deprecated (RFC 3879)
  ['ff00::', 8], // multicast
];

export interface AddressPolicySettings {
  /** Every address allowed (a test rig, or a Muster that only ever calls systems on its own network). */
  readonly allowPrivate: boolean;
  /** Ranges allowed although special (e.g. `10.20.0.0/16` for the door controller on the site network). */
  readonly allowedCidrs: readonly string[];
}

/** What a policy guards, for its refusals: what may not reach the address, and the variable that would allow it. */
export interface AddressPurpose {
  readonly what: string;
  readonly variable: string;
}

const WEBHOOKS: AddressPurpose = { what: 'webhooks', variable: 'MUSTER_WEBHOOKS_ALLOWED_CIDRS' };

export class AddressRefused extends Error {
  readonly code = 'MUSTER_WEBHOOK_ADDRESS_REFUSED';
  constructor(readonly address: string, host: string, purpose: AddressPurpose = WEBHOOKS) {
    super(`${host === address ? address : `${host} (${address})`} is a private, loopback, link-local or otherwise special address; ${purpose.what} may not reach it unless the operator allows it (${purpose.variable})`);
    this.name = 'AddressRefused';
  }
}

/** Parses `a.b.c.d/n` or `x::/n`; undefined when it is not one. */
export function parseCidr(s: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s.trim());
  if (!m) return undefined;
  const fam = net.isIP(m[1]!);
  const prefix = Number(m[2]);
  if (fam === 0 || prefix > (fam === 4 ? 32 : 128)) return undefined;
  return { address: m[1]!, prefix, family: fam === 4 ? 'ipv4' : 'ipv6' };
}

/** A URL's hostname without the brackets of an IPv6 literal (`[::1]` → `::1`). */
const bareHost = (host: string): string => (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host);

export class AddressPolicy {
  private readonly refused = new net.BlockList();
  /** IPv4-mapped IPv6 (::ffff:0:0/96) kept apart: a BlockList maps IPv4 addresses into it, so it would refuse every IPv4 address. */
  private readonly mapped = new net.BlockList();
  private readonly allowed = new net.BlockList();

  constructor(readonly settings: AddressPolicySettings, private readonly purpose: AddressPurpose = WEBHOOKS) {
    for (const [a, p] of V4) this.refused.addSubnet(a, p, 'ipv4');
    for (const [a, p] of V6) this.refused.addSubnet(a, p, 'ipv6');
    this.mapped.addSubnet('::ffff:0:0', 96, 'ipv6');
    for (const c of settings.allowedCidrs) {
      const r = parseCidr(c);
      if (r) this.allowed.addSubnet(r.address, r.prefix, r.family);
    }
  }

  /** True when a connection to this IP address may be made. */
  allows(address: string): boolean {
    if (this.settings.allowPrivate) return true;
    const fam = net.isIP(address);
    if (fam === 0) return false;
    const type = fam === 4 ? 'ipv4' : 'ipv6';
    if (this.allowed.check(address, type)) return true;
    if (fam === 6 && this.mapped.check(address, 'ipv6')) return false;
    return !this.refused.check(address, type);
  }

  /** Throws AddressRefused when `host` is an IP literal this policy refuses (names are checked when resolved). */
  checkLiteral(host: string): void {
    const bare = bareHost(host);
    if (net.isIP(bare) !== 0 && !this.allows(bare)) throw new AddressRefused(bare, bare, this.purpose);
    if (!this.settings.allowPrivate && /^localhost\.?$/i.test(bare)) throw new AddressRefused('127.0.0.1', bare, this.purpose);
  }

  /**
   * Resolves `host` (a name or an IP literal) and throws AddressRefused when an address it resolves
   * to is refused. A name that does not resolve passes: it may resolve later, and is checked again
   * at every connection.
   */
  async checkHost(host: string): Promise<void> {
    this.checkLiteral(host);
    const bare = bareHost(host);
    if (this.settings.allowPrivate || net.isIP(bare) !== 0) return;
    let list: dns.LookupAddress[];
    try {
      list = await dns.promises.lookup(bare, { all: true });
    } catch {
      return;
    }
    const bad = list.find((a) => !this.allows(a.address));
    if (bad) throw new AddressRefused(bad.address, bare, this.purpose);
  }

  /**
   * A `lookup` for http.request: resolves the name, and fails the connection when any address it
   * resolves to is refused (all of them, so that a name answering a public and a private address
   * cannot be raced onto the private one).
   */
  lookup(): net.LookupFunction {
    return (hostname, options, callback) => {
      dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
        if (err) return callback(err, '', 4);
        const list = addresses as dns.LookupAddress[];
        const bad = list.find((a) => !this.allows(a.address));
        if (bad || list.length === 0) {
          const e = new AddressRefused(bad?.address ?? '(none)', hostname, this.purpose) as Error & { code: string };
          return callback(e as NodeJS.ErrnoException, '', 4);
        }
        if ((options as dns.LookupOptions).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
        callback(null, list[0]!.address, list[0]!.family);
      });
    };
  }
}
