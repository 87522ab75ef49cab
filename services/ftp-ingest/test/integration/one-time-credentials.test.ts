import { randomBytes, randomUUID } from 'node:crypto'
import { Readable } from 'node:stream'
import { sql } from '@chargebus/db'
import type { FTPError } from 'basic-ftp'
import { testClock } from '../../../../test/support/clock.ts'
import { basicFtp, startTestEdge, type TestEdge } from '../support/ftp-edge.ts'

/*
 * A command's one-time FTP credentials (issued by the gateway with GetDiagnostics, see the gateway's tests):
 * they log in as their station, allow one upload linked to the command, and nothing after it or after expiry.
 */

const SLOW = 60_000
const clock = testClock('2031-05-04T08:00:00Z')
let edge: TestEdge

beforeAll(async () => {
  edge = await startTestEdge({ FTP_LOGIN_MAX_FAILURES: '1000' }, { clock })
  await edge.addStation('CP-7', 'station-password')
}, SLOW)
afterAll(() => edge?.close())

const upload = (client: Awaited<ReturnType<typeof basicFtp>>, name: string, bytes = randomBytes(2048)) =>
  client.uploadFrom(Readable.from(bytes), name)

async function filesOf(commandId: string) {
  const result = await sql<{ station_id: string; name: string }>`
    select station_id, name from ftp_files where command_id = ${commandId} order by received_at`.execute(
    edge.db,
  )
  return result.rows
}

const refusedLogin = (user: string, password: string) =>
  basicFtp(edge.port, user, password).then(
    (c) => {
      c.close()
      return 'logged in'
    },
    (err: FTPError) => err.code,
  )

test(
  'an upload grant logs in as its station, makes one upload linked to its command, then is spent',
  async () => {
    const commandId = randomUUID()
    const { user, password } = await edge.grant({ stationId: 'CP-7', commandId, access: 'upload' })
    const client = await basicFtp(edge.port, user, password)
    try {
      expect((await upload(client, 'diagnostics.zip')).code).toBe(226)
      await expect(upload(client, 'second.zip')).rejects.toMatchObject({ code: 550 })
    } finally {
      client.close()
    }
    expect(await filesOf(commandId)).toEqual([{ station_id: 'CP-7', name: 'diagnostics.zip' }])
    const events = (await edge.received()).filter((e) => e.commandId === commandId)
    expect(events).toEqual([expect.objectContaining({ stationId: 'CP-7', name: 'diagnostics.zip' })])
    expect(await refusedLogin(user, password)).toBe(530)
  },
  SLOW,
)

test(
  'two transfers racing on one grant: one is stored, the other refused and nothing of it kept',
  async () => {
    const commandId = randomUUID()
    const { user, password } = await edge.grant({ stationId: 'CP-7', commandId, access: 'upload' })
    const [a, b] = await Promise.all([
      basicFtp(edge.port, user, password),
      basicFtp(edge.port, user, password),
    ])
    try {
      const outcomes = await Promise.allSettled([upload(a, 'race-a.bin'), upload(b, 'race-b.bin')])
      const codes = outcomes.map((o) =>
        o.status === 'fulfilled' ? o.value.code : (o.reason as FTPError).code,
      )
      expect(codes.sort()).toEqual([226, 550])
    } finally {
      a.close()
      b.close()
    }
    expect(await filesOf(commandId)).toHaveLength(1)
  },
  SLOW,
)

test('a grant is refused after it expires, with a wrong secret, and for another station’s upload space', async () => {
  const commandId = randomUUID()
  const { user, password } = await edge.grant({ stationId: 'CP-7', commandId, access: 'upload' }, 60_000)
  expect(await refusedLogin(user, `${password}x`)).toBe(530)
  clock.advance(60_000)
  expect(await refusedLogin(user, password)).toBe(530)
  expect(await filesOf(commandId)).toEqual([])
})

test('a download grant cannot upload', async () => {
  const { user, password } = await edge.grant({
    stationId: 'CP-7',
    commandId: randomUUID(),
    access: 'download',
    fileName: 'fw.bin',
  })
  const client = await basicFtp(edge.port, user, password)
  try {
    await expect(upload(client, 'fw.bin')).rejects.toMatchObject({ code: 550 })
  } finally {
    client.close()
  }
})
