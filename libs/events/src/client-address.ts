import { isIPv4, isIPv6 } from 'node:net';

/**
 * The unit a client address is throttled by, in accounts' login throttle and the gateway's abuse
 * limits alike. An IPv4 address is one client; an IPv6 client usually holds a whole /64 (SLAAC,
 * privacy addresses), so counting single IPv6 addresses would give an attacker 2^64 fresh budgets.
 * IPv4-mapped IPv6 counts as the IPv4 address it maps. Anything else (a proxy's opaque token) is
 * taken as it is.
 */
export function clientAddressBucket(address: string): string {
  const a = address.trim().toLowerCase().replace(/%.*$/, '');
  if (isIPv4(a)) return a;
  if (!isIPv6(a)) return a;
  const hextets = expandIPv6(a);
  if (hextets.slice(0, 5).every((h) => h === 0) && hextets[5] === 0xffff) {
    const [hi = 0, lo = 0] = hextets.slice(6);
    return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
  }
  return `${hextets
    .slice(0, 4)
    .map((h) => h.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail converted). */
function expandIPv6(a: string): number[] {
  const toGroups = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((g) => {
          if (!g.includes('.')) return [parseInt(g, 16)];
          const [b0 = 0, b1 = 0, b2 = 0, b3 = 0] = g.split('.').map(Number);
          return [(b0 << 8) | b1, (b2 << 8) | b3];
        });
  const [head = '', tail] = a.split('::');
  const h = toGroups(head);
  if (tail === undefined) return h;
  const t = toGroups(tail);
  return [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
}
