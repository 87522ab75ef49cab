import { createAddressPolicy, parseCidr } from '../../src/commands/domain/address-policy.ts'

describe('the address policy of calls to stations', () => {
  const policy = createAddressPolicy([])

  test.each([
    ['93.184.216.34', true],
    ['2606:2800:220:1:248:1893:25c8:1946', true],
    ['127.0.0.1', false],
    ['127.8.9.10', false],
    ['::1', false],
    ['10.1.2.3', false],
    ['172.20.0.1', false],
    ['192.168.1.1', false],
    ['100.64.0.1', false],
    ['169.254.169.254', false],
    ['fd00:ec2::254', false],
    ['fe80::1', false],
    ['0.0.0.0', false],
    ['::', false],
    ['224.0.0.1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:7f00:1', false],
    ['not-an-address', false],
  ])('%s callable: %s', (ip, callable) => {
    expect(policy.mayCall(ip)).toBe(callable)
  })

  test('an operator-allowed network is callable, the rest of its kind is not', () => {
    const vpn = createAddressPolicy(['10.8.0.0/16', 'fd00:8::/32'])
    expect(vpn.mayCall('10.8.3.4')).toBe(true)
    expect(vpn.mayCall('fd00:8::7')).toBe(true)
    expect(vpn.mayCall('10.9.0.1')).toBe(false)
    expect(vpn.mayCall('169.254.169.254')).toBe(false)
  })

  test.each([
    ['10.8.0.0/16', true],
    ['fd00::/8', true],
    ['10.8.0.0', false],
    ['10.8.0.0/33', false],
    ['fd00::/129', false],
    ['example.com/24', false],
  ])('parseCidr(%j) is a network: %s', (cidr, ok) => {
    expect(parseCidr(cidr) !== undefined).toBe(ok)
  })
})
