import { type CpuProfile, costCenters } from '../src/cost-centers.ts'
import { medianCosts } from '../src/profiling.ts'

const M = 'file:///repo/node_modules/.pnpm'
/** A profile from stacks (outermost first) and their sample counts; frames are [functionName, url]. */
function profileOf(stacks: Array<[Array<[string, string]>, number]>): CpuProfile {
  const nodes: Array<{
    id: number
    callFrame: { functionName: string; url: string; lineNumber: number }
    hitCount: number
    children: number[]
  }> = [{ id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: 0 }, hitCount: 0, children: [] }]
  for (const [frames, hits] of stacks) {
    let parent = nodes[0] as (typeof nodes)[number]
    for (const [i, [functionName, url]] of frames.entries()) {
      const node = {
        id: nodes.length + 1,
        callFrame: { functionName, url, lineNumber: 0 },
        hitCount: i === frames.length - 1 ? hits : 0,
        children: [],
      }
      nodes.push(node)
      parent.children.push(node.id)
      parent = node
    }
  }
  return { nodes }
}

const handler: [string, string] = [
  'handle',
  'file:///repo/services/ocpp-gateway/src/entry-points/http/station-request.ts',
]
const fastify: [string, string] = ['routeHandler', `${M}/fastify@5.6.1/node_modules/fastify/lib/route.js`]

test('a sample is charged to the innermost named frame; node modules only when nothing above names it', () => {
  const profile = profileOf([
    // the same socket write: under the NATS client, and under Fastify's reply
    [
      [
        fastify,
        handler,
        ['publish', 'file:///repo/packages/bus/src/connect.ts'],
        ['publish', `${M}/@nats-io+nats-core@3.4.0/node_modules/@nats-io/nats-core/lib/protocol.js`],
        ['_write', 'node:net'],
        ['writeBuffer', ''],
      ],
      30,
    ],
    [
      [
        fastify,
        handler,
        ['send', `${M}/fastify@5.6.1/node_modules/fastify/lib/reply.js`],
        ['_write', 'node:net'],
        ['writeUtf8String', ''],
      ],
      20,
    ],
    [
      [
        fastify,
        handler,
        ['parseXml', 'file:///repo/packages/ocpp/src/xml/parse-xml.ts'],
        ['write', `${M}/saxes@6.0.0/node_modules/saxes/saxes.js`],
      ],
      25,
    ],
    [[fastify, handler, ['readSequence', 'file:///repo/packages/ocpp/src/xsd/read-payload.ts']], 10],
    [[['parserOnHeadersComplete', 'node:_http_common']], 10],
    [[['(garbage collector)', '']], 5],
    [[['(idle)', '']], 1000],
  ])
  const costs = costCenters(profile, 200)
  expect(costs).toEqual([
    { cost: 'NATS client (socket writes, PubAcks)', share: 0.3, usPerRequest: 60 },
    { cost: 'HTTP (node:http, Fastify, socket writes)', share: 0.3, usPerRequest: 60 },
    { cost: 'XML parse (saxes)', share: 0.25, usPerRequest: 50 },
    { cost: 'SOAP decode and validation', share: 0.1, usPerRequest: 20 },
    { cost: 'garbage collection', share: 0.05, usPerRequest: 10 },
  ])
})

test('medians over runs count a cost missing from a run as 0', () => {
  const runs = [
    [
      { cost: 'a', share: 0.5, usPerRequest: 50 },
      { cost: 'b', share: 0.5, usPerRequest: 50 },
    ],
    [{ cost: 'a', share: 1, usPerRequest: 70 }],
    [
      { cost: 'a', share: 0.4, usPerRequest: 40 },
      { cost: 'b', share: 0.6, usPerRequest: 60 },
    ],
  ]
  expect(medianCosts(runs)).toEqual([
    { cost: 'a', share: 0.5, usPerRequest: 50 },
    { cost: 'b', share: 0.5, usPerRequest: 50 },
  ])
})
