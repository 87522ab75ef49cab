import { isIPv6 } from 'node:net'

/**
 * The key a per-client limit counts under: an IPv4 address as it is, an IPv6 address by its /64. One
 * subscriber or cloud VM routinely holds a whole /64 (2^64 addresses), so counting IPv6 per address would let
 * one client look like billions. IPv4-mapped IPv6 (`::ffff:192.0.2.1`, what a dual-stack socket reports) is
 * the IPv4 address.
 *
 * ### Examples
 * ```ts
 * clientNetworkOf('203.0.113.7')                // '203.0.113.7'
 * clientNetworkOf('::ffff:203.0.113.7')         // '203.0.113.7'
 * clientNetworkOf('2001:db8:1:2:aaaa::1')       // '2001:db8:1:2::/64'
 * clientNetworkOf('2001:db8:1:2:ffff:ffff::9')  // '2001:db8:1:2::/64' (the same client)
 * ```
 */
export function clientNetworkOf(ip: string): string {
  if (!isIPv6(ip)) return ip
  const groups = expandIPv6(ip)
  if (isV4Mapped(groups)) return ipv4Of(groups.slice(6))
  return `${groups.slice(0, 4).join(':')}::/64`
}

/** The eight groups of an IPv6 address without leading zeros (`::` expanded, a zone id dropped). */
function expandIPv6(ip: string): string[] {
  const address = ip.split('%')[0] as string
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined]
  const groupsOf = (part: string | undefined) => (part ? part.split(':') : [])
  const left = groupsOf(head)
  const right = groupsOf(tail)
  // an embedded IPv4 tail (::ffff:1.2.3.4) counts as two groups
  const width = (groups: string[]) => groups.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0)
  const missing = tail === undefined ? 0 : 8 - width(left) - width(right)
  return [...left, ...Array<string>(missing).fill('0'), ...right].map((g) =>
    g.includes('.') ? g : (g.replace(/^0+(?=.)/, '') || '0').toLowerCase(),
  )
}

/** The IPv4 address in the last 32 bits: written dotted (`1.2.3.4`) or as two hex groups (`102:304`). */
function ipv4Of(tail: string[]): string {
  const [first, second] = tail
  if (first?.includes('.')) return first
  const hi = Number.parseInt(first ?? '0', 16)
  const lo = Number.parseInt(second ?? '0', 16)
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.')
}

function isV4Mapped(groups: string[]): boolean {
  const [a, b, c, d, e, f] = groups
  return a === '0' && b === '0' && c === '0' && d === '0' && e === '0' && f === 'ffff'
}
