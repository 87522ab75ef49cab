import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Bus, connectBus } from '@chargebus/bus'
import { createDb, type Database, type Kysely } from '@chargebus/db'
import { CommandRequested, Streams } from '@chargebus/events'
import {
  hashPassword,
  KvBuckets,
  kvKey,
  mirrorRegistration,
  openKvBuckets,
} from '@chargebus/station-registry'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect as connectNats } from '@nats-io/transport-node'
import { pino } from 'pino'
import { envelope } from '../../services/ocpp-gateway/test/support/gateway.ts'
import { eventually } from '../support/eventually.ts'
import { NATS_URL, uniqueNamespace } from '../support/nats.ts'
import { runServiceToExit, type ServiceProcess, startServiceProcess } from '../support/service-process.ts'

/*
 * The OCPP edge as an attacker meets it: the real gateway process, in production mode, against the run's
 * Postgres and a NATS namespace of its own. Each test names the item of the security review it proves
 * (SECURITY.md). Listeners record every call the gateway makes, so "never called" is observed, not assumed.
 */

const SLOW = 60_000
const RIGHT = 'right-password'
/** The only network the gateway may call here (a fleet VPN stands in): real stations listen on it. */
const ALLOWED = '127.0.0.2'

const namespace = uniqueNamespace('hx')
let bus: Bus
let db: Kysely<Database>
let gateway: ServiceProcess
const servers: Server[] = []

/** An HTTP listener that records every request it gets and answers with `answer`. */
async function listener(
  host: string,
  answer: (req: IncomingMessage) => {
    status: number
    headers?: Record<string, string>
    body?: string
  } = () => ({
    status: 500,
  }),
): Promise<{ url: string; calls: () => number }> {
  let calls = 0
  const server = createServer((req, res) => {
    calls++
    req.resume()
    const a = answer(req)
    res.writeHead(a.status, a.headers ?? {})
    res.end(a.body ?? '')
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  const { port } = server.address() as { port: number }
  return { url: `http://${host}:${port}/ocpp`, calls: () => calls }
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
const boot = (identity: string, from: string) =>
  envelope({
    identity,
    from,
    body: '<cs:bootNotificationRequest><cs:chargePointVendor>ACME</cs:chargePointVendor><cs:chargePointModel>X</cs:chargePointModel></cs:bootNotificationRequest>',
  })
const heartbeat = (identity: string) => envelope({ identity, body: '<cs:heartbeatRequest/>' })

async function post(xml: string, headers: Record<string, string> = {}, base = gateway.url) {
  const res = await fetch(`${base}/ocpp/1.6`, {
    method: 'POST',
    headers: { 'content-type': 'application/soap+xml', ...headers },
    body: xml,
  })
  return { status: res.status, body: await res.text() }
}

async function stationWithPassword(id: string): Promise<void> {
  const kvs = await openKvBuckets(bus)
  await mirrorRegistration(kvs.stations, {
    stationId: id,
    registrationStatus: 'Accepted',
    password: hashPassword(RIGHT),
    decidedAt: new Date(),
    source: 'test',
  })
}

/** How many OCPP_IN messages of the namespace are `stationId`'s. */
async function stored(stationId: string): Promise<number> {
  const nc = await connectNats({ servers: NATS_URL })
  try {
    const jsm = await jetstreamManager(nc)
    const stream = `${namespace.toUpperCase()}_${Streams.OCPP_IN.name}`
    const info = await jsm.streams.info(stream).catch(() => undefined)
    let n = 0
    if (info !== undefined && info.state.messages > 0)
      for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
        const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null)
        if (m?.json<{ stationId: string }>().stationId === stationId) n++
      }
    return n
  } finally {
    await nc.close()
  }
}

async function command(
  stationId: string,
  operation = 'Reset',
  payload: Record<string, unknown> = { type: 'Soft' },
) {
  const commandId = randomUUID()
  await bus.publish(
    CommandRequested,
    { commandId, stationId, operation, payload, requestedAt: new Date().toISOString(), origin: 'api' },
    { msgId: `cmd:${commandId}` },
  )
  return commandId
}

async function commandRow(id: string) {
  return db.selectFrom('commands').selectAll().where('id', '=', id).executeTakeFirst()
}

const metric = async (name: string, labels: string) => {
  const m = new RegExp(`^${name}\\{[^}]*${labels}[^}]*\\} (\\d+)$`, 'm').exec(await gateway.metrics())
  return Number(m?.[1] ?? 0)
}

beforeAll(async () => {
  bus = await connectBus({ servers: NATS_URL, name: 'hostile', namespace, logger: pino({ level: 'silent' }) })
  await bus.ensureStreams([Streams.OCPP_IN, Streams.COMMANDS], { maxBytes: 16 * 1024 * 1024 })
  db = createDb({ url: process.env.DATABASE_URL as string, poolSize: 2, applicationName: 'hostile' })
  gateway = await startServiceProcess('ocpp-gateway', {
    NODE_ENV: 'production',
    BUS_NAMESPACE: namespace,
    OCPP_REGISTRATION: 'accept-all',
    OCPP_CALLBACK_ALLOWED_NETWORKS: `${ALLOWED}/32`,
    OCPP_CAPABILITIES_DELAY_MS: '0',
    OCPP_COMMAND_RETRY_MS: '200',
    OCPP_AUTH_FAILURES_PER_ADDRESS: '5',
    OCPP_AUTH_FAILURES_PER_STATION: '5',
    HTTP_REQUEST_TIMEOUT_MS: '1000',
    HTTP_HEADERS_TIMEOUT_MS: '1000',
    // Tests speak for other client addresses through X-Forwarded-For, so one test's failures do not
    // throttle the next one's address.
    HTTP_TRUST_PROXY: '127.0.0.1',
  })
}, SLOW)

afterAll(async () => {
  await gateway?.stop()
  for (const s of servers) s.close()
  await bus?.deleteNamespace().catch(() => {})
  await bus?.close()
  await db?.destroy()
}, SLOW)

describe('1. impersonation', () => {
  test(
    'without the password nobody speaks as a station, and its callback stays where the station put it',
    async () => {
      const station = `H1-${randomUUID().slice(0, 8)}`
      await stationWithPassword(station)
      const real = await listener(ALLOWED)
      const attacker = await listener(ALLOWED)
      expect((await post(boot(station, real.url).xml, { authorization: basic(station, RIGHT) })).status).toBe(
        200,
      )

      const noPassword = await post(boot(station, attacker.url).xml)
      const wrongPassword = await post(boot(station, attacker.url).xml, {
        authorization: basic(station, 'guess'),
      })
      const start = await post(
        envelope({
          identity: station,
          body: '<cs:startTransactionRequest><cs:connectorId>1</cs:connectorId><cs:idTag>T</cs:idTag><cs:meterStart>0</cs:meterStart><cs:timestamp>2026-11-26T10:00:00Z</cs:timestamp></cs:startTransactionRequest>',
        }).xml,
      )
      expect([noPassword.status, wrongPassword.status, start.status]).toEqual([401, 401, 401])
      // One answer text whatever went wrong: a prober learns nothing about which stations have passwords.
      expect(noPassword.body.replace(/urn:uuid:[\w-]+/g, '')).toBe(
        wrongPassword.body.replace(/urn:uuid:[\w-]+/g, ''),
      )
      expect(await stored(station)).toBe(1) // only the real boot

      const id = await command(station)
      // the command itself went out (the boot's capability discovery may have called the station first)
      await eventually(async () => (await commandRow(id))?.sent_at != null)
      await eventually(async () => real.calls() >= 1)
      expect(attacker.calls()).toBe(0)
      expect((await commandRow(id))?.endpoint_url).toBe(real.url)
    },
    SLOW,
  )

  test(
    'production does not start when anyone could speak as any station, unless told to',
    async () => {
      const refused = await runServiceToExit('ocpp-gateway', {
        NODE_ENV: 'production',
        BUS_NAMESPACE: namespace,
        OCPP_REGISTRATION: 'accept-all',
        OCPP_REQUIRE_BASIC_AUTH: 'false',
      })
      expect(refused.code).not.toBe(0)
      expect(refused.output).toContain('OCPP_REQUIRE_BASIC_AUTH')
    },
    SLOW,
  )
})

describe('2. server-side request forgery', () => {
  test.each([
    ['loopback', '127.0.0.1'],
    ['cloud metadata', '169.254.169.254'],
    ['a private network', '10.0.0.1'],
  ])(
    'a station that puts its callback at %s is never called there, and the error names no address',
    async (_name, host) => {
      const station = `H2-${randomUUID().slice(0, 8)}`
      await stationWithPassword(station)
      const trap = host === '127.0.0.1' ? await listener('127.0.0.1') : undefined
      const from = trap?.url ?? `http://${host}:80/ocpp`
      expect((await post(boot(station, from).xml, { authorization: basic(station, RIGHT) })).status).toBe(200)
      await command(station)
      // The GetConfiguration that follows every Accepted boot, then the Reset behind it: refused, waiting for
      // a usable address, and no error text names the address.
      const rows = () => db.selectFrom('commands').selectAll().where('station_id', '=', station).execute()
      await eventually(async () => (await rows()).some((r) => r.error_code === 'COMMAND_ERR_ADDRESS_REFUSED'))
      for (const row of await rows()) {
        expect(row.status).toBe('queued')
        expect(row.error_message ?? '').not.toMatch(/127\.0\.0|169\.254|10\.0\.0/)
      }
      expect(trap?.calls() ?? 0).toBe(0)
    },
    SLOW,
  )

  test(
    'a redirect is not followed: the station at an allowed address cannot bounce the gateway elsewhere',
    async () => {
      const station = `H2R-${randomUUID().slice(0, 8)}`
      await stationWithPassword(station)
      const target = await listener('127.0.0.1')
      const redirecting = await listener(ALLOWED, () => ({ status: 307, headers: { location: target.url } }))
      expect(
        (await post(boot(station, redirecting.url).xml, { authorization: basic(station, RIGHT) })).status,
      ).toBe(200)
      const id = await command(station)
      await eventually(async () => (await commandRow(id))?.status === 'failed')
      expect((await commandRow(id))?.error_message).toContain('redirects are not followed')
      expect(redirecting.calls()).toBeGreaterThanOrEqual(1)
      expect(target.calls()).toBe(0)
    },
    SLOW,
  )
})

describe('3. password checks cannot be used to burn CPU', () => {
  test(
    'a flood of wrong passwords from one address is refused without checking after a few',
    async () => {
      const station = `H3-${randomUUID().slice(0, 8)}`
      await stationWithPassword(station)
      const before = await metric('ocpp_gateway_station_auth_total', 'outcome="wrong"')
      const answers = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          post(heartbeat(station).xml, {
            authorization: basic(station, `guess-${i}`),
            'x-forwarded-for': '198.51.100.7',
          }),
        ),
      )
      // Refused (401), or told to come back (503: one address holds at most a tenth of the waiting places).
      expect(answers.every((a) => a.status === 401 || a.status === 503)).toBe(true)
      const checked = (await metric('ocpp_gateway_station_auth_total', 'outcome="wrong"')) - before
      // Concurrent requests may each start a check before the first failures are counted; far fewer than 60.
      expect(checked).toBeLessThanOrEqual(10)
      const refusedUnchecked =
        (await metric('ocpp_gateway_station_auth_total', 'outcome="throttled"')) +
        (await metric('ocpp_gateway_station_auth_total', 'outcome="busy"'))
      expect(refusedUnchecked).toBeGreaterThanOrEqual(50)
    },
    SLOW,
  )
})

describe('4. fail closed', () => {
  test('a station whose KV record cannot be read needs credentials, and no credentials pass', async () => {
    const station = `H4-${randomUUID().slice(0, 8)}`
    await (await bus.kv(KvBuckets.stations)).put(
      kvKey(station),
      '{"registrationStatus": "Accepted", "password": 7}',
    )
    await new Promise((r) => setTimeout(r, 300)) // the watch applies it
    expect((await post(heartbeat(station).xml)).status).toBe(401)
    expect((await post(heartbeat(station).xml, { authorization: basic(station, 'anything') })).status).toBe(
      401,
    )
    expect(await stored(station)).toBe(0)
  })
})

describe('5. unauthenticated traffic creates no state', () => {
  test(
    'boots of unknown stations without credentials: no KV record, nothing stored, no command, no transaction id',
    async () => {
      const kv = await bus.kv(KvBuckets.stations)
      const keysBefore = (await kv.status()).values
      const idsBefore = await metric('ocpp_gateway_transaction_ids_available', '')
      const unknown = Array.from({ length: 20 }, () => `H5-${randomUUID().slice(0, 8)}`)
      for (const id of unknown) {
        expect((await post(boot(id, `http://${ALLOWED}:9/ocpp`).xml)).status).toBe(401)
        expect(
          (
            await post(
              envelope({
                identity: id,
                body: '<cs:startTransactionRequest><cs:connectorId>1</cs:connectorId><cs:idTag>T</cs:idTag><cs:meterStart>0</cs:meterStart><cs:timestamp>2026-11-26T10:00:00Z</cs:timestamp></cs:startTransactionRequest>',
              }).xml,
            )
          ).status,
        ).toBe(401)
      }
      await new Promise((r) => setTimeout(r, 300))
      expect((await kv.status()).values).toBe(keysBefore)
      for (const id of unknown.slice(0, 3)) expect(await stored(id)).toBe(0)
      expect(await metric('ocpp_gateway_transaction_ids_available', '')).toBe(idsBefore)
      const commands = await db
        .selectFrom('commands')
        .select('id')
        .where('station_id', 'in', unknown)
        .execute()
      expect(commands).toEqual([])
    },
    SLOW,
  )

  test(
    'where unauthenticated stations are explicitly allowed, the records of unknown ones stop at the cap',
    async () => {
      const ns = uniqueNamespace('hxo')
      const open = await startServiceProcess('ocpp-gateway', {
        NODE_ENV: 'production',
        BUS_NAMESPACE: ns,
        OCPP_REGISTRATION: 'accept-all',
        OCPP_REQUIRE_BASIC_AUTH: 'false',
        OCPP_ALLOW_UNAUTHENTICATED_STATIONS: 'true',
        OCPP_UNKNOWN_STATIONS_MAX: '3',
        OCPP_COMMANDS_ENABLED: 'false',
      })
      const other = await connectBus({
        servers: NATS_URL,
        name: 'hostile-open',
        namespace: ns,
        logger: pino({ level: 'silent' }),
      })
      try {
        for (let i = 0; i < 10; i++)
          expect((await post(boot(`H5C-${i}`, `http://${ALLOWED}:9/ocpp`).xml, {}, open.url)).status).toBe(
            200,
          )
        await new Promise((r) => setTimeout(r, 500))
        expect((await (await other.kv(KvBuckets.stations)).status()).values).toBe(3)
      } finally {
        await open.stop()
        await other.deleteNamespace().catch(() => {})
        await other.close()
      }
    },
    SLOW,
  )
})

describe('6. slow clients', () => {
  test(
    'a client that trickles its body is cut off',
    async () => {
      const socket = connect({ host: '127.0.0.1', port: gateway.port })
      await new Promise<void>((resolve) => socket.once('connect', resolve))
      socket.write(
        'POST /ocpp/1.6 HTTP/1.1\r\nhost: x\r\ncontent-type: application/soap+xml\r\ncontent-length: 5000\r\n\r\n<',
      )
      const trickle = setInterval(() => socket.writable && socket.write(' '), 200)
      const started = performance.now()
      const answer = await new Promise<string>((resolve) => {
        let text = ''
        socket.on('data', (d) => {
          text += d.toString()
        })
        socket.once('close', () => resolve(text))
      })
      clearInterval(trickle)
      expect(answer).toMatch(/^HTTP\/1\.1 408/)
      expect(performance.now() - started).toBeLessThan(5000)
    },
    SLOW,
  )
})

describe('10. the smaller items', () => {
  test('/readyz on the public port names its checks without internal details', async () => {
    const body = await (await fetch(`${gateway.url}/readyz`)).text()
    expect(JSON.parse(body).checks).toEqual({
      nats: { status: 'ok', durationMs: expect.any(Number) },
      'kv-caches': { status: 'ok', durationMs: expect.any(Number) },
    })
  })

  test('message ids of station A/B and of station A cannot collide: both are stored', async () => {
    const [a, b] = [`H10/${randomUUID().slice(0, 4)}`, `H10`]
    await stationWithPassword(a)
    await stationWithPassword(b)
    const one = envelope({ identity: a, messageId: 'X', body: '<cs:heartbeatRequest/>' })
    const two = envelope({ identity: b, messageId: `${a.slice(4)}/X`, body: '<cs:heartbeatRequest/>' })
    expect((await post(one.xml, { authorization: basic(a, RIGHT) })).status).toBe(200)
    expect((await post(two.xml, { authorization: basic(b, RIGHT) })).status).toBe(200)
    expect(await stored(a)).toBe(1)
    expect(await stored(b)).toBe(1)
  })

  test('station passwords hashed with sha256 by an older version no longer let anyone in', async () => {
    const { createHash } = await import('node:crypto')
    const station = `H10S-${randomUUID().slice(0, 8)}`
    const salt = Buffer.from('salt')
    await (await bus.kv(KvBuckets.stations)).put(
      kvKey(station),
      JSON.stringify({
        registrationStatus: 'Accepted',
        password: {
          algorithm: 'sha256',
          salt: salt.toString('base64'),
          hash: createHash('sha256').update(salt).update(RIGHT).digest('base64'),
        },
      }),
    )
    await new Promise((r) => setTimeout(r, 300))
    expect((await post(heartbeat(station).xml, { authorization: basic(station, RIGHT) })).status).toBe(401)
  })
})

describe('OCPP security profile 2: the gateway serves TLS itself', () => {
  test(
    'a real TLS client (curl) posts over HTTPS with the CA; without it the handshake fails',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'chargebus-tls-'))
      const key = join(dir, 'key.pem')
      const cert = join(dir, 'cert.pem')
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=localhost',
          '-addext',
          'subjectAltName=DNS:localhost,IP:127.0.0.1',
          '-keyout',
          key,
          '-out',
          cert,
        ],
        { stdio: 'ignore' },
      )
      const ns = uniqueNamespace('hxt')
      const tls = await startServiceProcess(
        'ocpp-gateway',
        {
          BUS_NAMESPACE: ns,
          OCPP_TLS_CERT_FILE: cert,
          OCPP_TLS_KEY_FILE: key,
          OCPP_COMMANDS_ENABLED: 'false',
        },
        { tls: { ca: cert } },
      )
      try {
        const xml = heartbeat('TLS-1').xml
        const curl = (extra: string[]) =>
          execFileSync(
            'curl',
            [
              '-s',
              '-o',
              '/dev/null',
              '-w',
              '%{http_code}',
              '-H',
              'content-type: application/soap+xml',
              '--data-binary',
              xml,
              ...extra,
              `https://localhost:${tls.port}/ocpp/1.6`,
            ],
            { encoding: 'utf8' },
          )
        expect(curl(['--cacert', cert])).toBe('200')
        expect(() => curl([])).toThrow() // an unknown CA: curl refuses the handshake (exit 60)
      } finally {
        await tls.stop()
        rmSync(dir, { recursive: true, force: true })
        const owner = await connectBus({
          servers: NATS_URL,
          name: 'hostile-tls',
          namespace: ns,
          logger: pino({ level: 'silent' }),
        })
        await owner.deleteNamespace().catch(() => {})
        await owner.close()
      }
    },
    SLOW,
  )
})
