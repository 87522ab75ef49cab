import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { BusUnreachableError, connectBus, natsAccessFrom } from '../../src/index.ts'

/*
 * Credentials and TLS against real nats-server processes of this test's own (user and password; TLS with a
 * certificate made here): the services' NATS variables reach the connection, and without them nothing does.
 */

const NATS_SERVER = process.env.NATS_SERVER_BIN ?? 'nats-server'
const logger = pino({ level: 'silent' })
const dir = mkdtempSync(join(tmpdir(), 'chargebus-nats-access-'))
const servers: ChildProcess[] = []

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

async function startNats(args: string[]): Promise<number> {
  const port = await freePort()
  const child = spawn(
    NATS_SERVER,
    ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', mkdtempSync(join(dir, 'js-')), ...args],
    {
      stdio: 'ignore',
    },
  )
  servers.push(child)
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const probe = createServer()
      probe.once('error', () => resolve(true)) // port taken: the server listens
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)))
    })
    if (up) return port
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`nats-server did not listen on ${port}`)
}

afterAll(() => {
  for (const s of servers) s.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

test('user and password: the right ones connect and JetStream answers; none or wrong ones are refused', async () => {
  const port = await startNats(['--user', 'ingest', '--pass', 's3cret'])
  const url = `nats://127.0.0.1:${port}`
  const bus = await connectBus({
    ...natsAccessFrom({ NATS_URL: url, NATS_USER: 'ingest', NATS_PASSWORD: 's3cret' }),
    name: 'access-test',
    logger,
  })
  await bus.ping()
  await bus.close()
  for (const access of [{ NATS_URL: url }, { NATS_URL: url, NATS_USER: 'ingest', NATS_PASSWORD: 'guess' }]) {
    await expect(
      connectBus({ ...natsAccessFrom(access), name: 'access-test', logger, connectTimeoutMs: 2000 }),
    ).rejects.toBeInstanceOf(BusUnreachableError)
  }
})

test('TLS: a client that trusts the server certificate connects; one without the CA does not', async () => {
  const key = join(dir, 'server.key')
  const cert = join(dir, 'server.crt')
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
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  )
  const port = await startNats(['--tls', '--tlscert', cert, '--tlskey', key])
  const url = `tls://127.0.0.1:${port}`
  const bus = await connectBus({
    ...natsAccessFrom({ NATS_URL: url, NATS_TLS_CA_FILE: cert }),
    name: 'tls-test',
    logger,
  })
  await bus.ping()
  await bus.close()
  await expect(
    connectBus({ ...natsAccessFrom({ NATS_URL: url }), name: 'tls-test', logger, connectTimeoutMs: 2000 }),
  ).rejects.toBeInstanceOf(BusUnreachableError)
}, 20_000)
