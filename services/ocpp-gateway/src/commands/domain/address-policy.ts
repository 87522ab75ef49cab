import { BlockList, isIP } from 'node:net'

/**
 * Which addresses the gateway may call a station at. A station chooses its callback address (wsa:From), so
 * without a policy the gateway is a request forger for whoever boots a station: it would POST to 127.0.0.1,
 * the VPC's private services or the cloud metadata endpoint (169.254.169.254). Only public unicast addresses
 * are callable, unless an operator allows a network (a fleet's VPN).
 */
export interface AddressPolicy {
  /** Whether `ip` (v4 or v6, as resolved or written in the URL) may be called. */
  mayCall(ip: string): boolean
}

/** Not public unicast: loopback, private, shared (CGNAT), link-local (cloud metadata), multicast, reserved. */
const NOT_PUBLIC: ReadonlyArray<[network: string, prefix: number, type: 'ipv4' | 'ipv6']> = [
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.0.2.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['64:ff9b::', 96, 'ipv6'],
  ['100::', 64, 'ipv6'],
  ['2001:db8::', 32, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
]

/**
 * ### Examples
 * ```ts
 * const policy = createAddressPolicy(['10.8.0.0/16'])
 * policy.mayCall('93.184.216.34') // true
 * policy.mayCall('169.254.169.254') // false
 * policy.mayCall('10.8.3.4') // true: allowed by the operator
 * ```
 */
export function createAddressPolicy(allowedNetworks: readonly string[]): AddressPolicy {
  const denied = new BlockList()
  for (const [network, prefix, type] of NOT_PUBLIC) denied.addSubnet(network, prefix, type)
  const allowed = new BlockList()
  for (const cidr of allowedNetworks) {
    const parsed = parseCidr(cidr)
    if (parsed === undefined) throw new Error(`not a network: ${JSON.stringify(cidr)}`)
    allowed.addSubnet(parsed.network, parsed.prefix, parsed.type)
  }
  return {
    mayCall(ip) {
      const address = unmapped(ip)
      const type = isIP(address) === 6 ? 'ipv6' : isIP(address) === 4 ? 'ipv4' : undefined
      if (type === undefined) return false
      if (allowed.check(address, type)) return true
      return !denied.check(address, type)
    },
  }
}

/** `10.8.0.0/16` -> its parts; undefined when it is not a CIDR. */
export function parseCidr(
  cidr: string,
): { network: string; prefix: number; type: 'ipv4' | 'ipv6' } | undefined {
  const [network, bits] = cidr.trim().split('/')
  if (network === undefined || bits === undefined || !/^\d{1,3}$/.test(bits)) return undefined
  const version = isIP(network)
  const prefix = Number(bits)
  if (version === 4 && prefix <= 32) return { network, prefix, type: 'ipv4' }
  if (version === 6 && prefix <= 128) return { network, prefix, type: 'ipv6' }
  return undefined
}

/**
 * An IPv4-mapped IPv6 address (`::ffff:127.0.0.1`, also written `::ffff:7f00:1`) is judged as the IPv4
 * address it carries.
 */
function unmapped(ip: string): string {
  const dotted = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip)
  if (dotted?.[1] !== undefined) return dotted[1]
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip)
  if (hex?.[1] === undefined || hex[2] === undefined) return ip
  const high = Number.parseInt(hex[1], 16)
  const low = Number.parseInt(hex[2], 16)
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`
}
