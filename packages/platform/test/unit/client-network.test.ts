import { BlockList } from 'node:net'
import { clientNetworkOf } from '../../src/client-network.ts'

describe('clientNetworkOf', () => {
  test('IPv4 is counted per address; IPv4-mapped IPv6 is the IPv4 address, in either notation', () => {
    expect(clientNetworkOf('203.0.113.7')).toBe('203.0.113.7')
    expect(clientNetworkOf('::ffff:203.0.113.7')).toBe('203.0.113.7')
    expect(clientNetworkOf('::ffff:cb00:7107')).toBe('203.0.113.7')
  })

  test('IPv6 is counted per /64, whatever the spelling', () => {
    const network = '2001:db8:1:2::/64'
    for (const ip of [
      '2001:db8:1:2::1',
      '2001:0db8:0001:0002:aaaa:bbbb:cccc:dddd',
      '2001:DB8:1:2:FFFF::9',
      '2001:db8:1:2:0:0:0:0',
      '2001:db8:1:2::1%eth0',
    ])
      expect(clientNetworkOf(ip)).toBe(network)
    expect(clientNetworkOf('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64')
    expect(clientNetworkOf('::1')).toBe('0:0:0:0::/64')
    expect(clientNetworkOf('2001:db8::')).toBe('2001:db8:0:0::/64')
  })

  test("agrees with node's BlockList: the /64 contains the address, a neighbour /64 does not", () => {
    const hex = () => Math.floor(Math.random() * 0x10000).toString(16)
    for (let i = 0; i < 500; i++) {
      const groups = Array.from({ length: 8 }, hex)
      // compress a random run of groups to '::' as real addresses are written
      const from = Math.floor(Math.random() * 7)
      const to = from + 1 + Math.floor(Math.random() * (7 - from))
      const spelled = `${groups.slice(0, from).join(':')}::${groups.slice(to + 1).join(':')}`
      const written = groups.map((g, j) => (j >= from && j <= to ? '0' : g))
      const network = clientNetworkOf(spelled)
      const [prefix] = network.split('/') as [string]
      const list = new BlockList()
      list.addSubnet(prefix, 64, 'ipv6')
      expect(list.check(written.join(':'), 'ipv6')).toBe(true)
      const neighbour = [...written]
      neighbour[3] = ((Number.parseInt(written[3] as string, 16) + 1) % 0x10000).toString(16)
      expect(list.check(neighbour.join(':'), 'ipv6')).toBe(false)
    }
  })
})
