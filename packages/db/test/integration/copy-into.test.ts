import { createThrowawayDatabase, type ThrowawayDatabase } from '../../../../test/support/database.ts'
import { copyInto, createDb, type Kysely, sql } from '../../src/index.ts'

/*
 * copyInto writes COPY's text format by hand (pg-copy-streams carries the protocol, not the encoding): every
 * value must come back exactly as given, through pgbouncer, and a failed COPY must write nothing and leave the
 * pool usable.
 */

const SLOW = 60_000
let scratch: ThrowawayDatabase
let db: Kysely<unknown>

beforeAll(async () => {
  scratch = await createThrowawayDatabase({ migrate: false })
  db = createDb({ url: scratch.url, poolSize: 1, applicationName: 'copy-into-test' }) as Kysely<unknown>
  await sql`create schema side`.execute(db)
  await sql`create table side.t (id integer primary key, label text, doc jsonb, at timestamptz, n bigint)`.execute(
    db,
  )
}, SLOW)
afterAll(async () => {
  await db?.destroy()
  await scratch?.drop()
}, SLOW)

const awkward = [
  'plain',
  'tab\there',
  'new\nline',
  'carriage\rreturn',
  'back\\slash',
  '\\N',
  'ends with backslash\\',
  'é 漢字 🔌',
  '',
  'quote \' and " double',
]

test('every value comes back as written: escapes, null, json, instants, big numbers', async () => {
  const rows: unknown[][] = awkward.map((label, i) => [
    i,
    label,
    { label, list: [i, null, 'x\ty'] },
    new Date(Date.UTC(2026, 0, 1, 0, 0, i, 123)),
    BigInt(2) ** BigInt(53) + BigInt(i),
  ])
  rows.push([100, null, null, null, null])
  const written = await copyInto(db, 'side.t', ['id', 'label', 'doc', 'at', 'n'], rows)
  expect(written).toBe(rows.length)
  const { rows: back } = await sql<{
    id: number
    label: string | null
    doc: unknown
    at: Date | null
    n: string | null
  }>`
    select id, label, doc, at, n from side.t order by id`.execute(db)
  expect(back).toEqual(
    rows.map(([id, label, doc, at, n]) => ({ id, label, doc, at, n: n === null ? null : String(n) })),
  )
})

test('a row Postgres refuses fails the whole COPY: nothing written, and the pool still answers', async () => {
  await sql`truncate side.t`.execute(db)
  const rows = [
    [1, 'fine', null, null, null],
    [2, 'not a number', null, null, 'twelve'],
  ]
  await expect(copyInto(db, 'side.t', ['id', 'label', 'doc', 'at', 'n'], rows)).rejects.toThrow(/bigint/)
  const { rows: count } = await sql<{ n: string }>`select count(*) as n from side.t`.execute(db)
  expect(Number(count[0]?.n)).toBe(0)
})

test('a handle not made by createDb is refused with a clear error', async () => {
  const other = Object.create(db) as Kysely<unknown>
  await expect(copyInto(other, 'side.t', ['id'], [[1]])).rejects.toThrow(/createDb/)
})
