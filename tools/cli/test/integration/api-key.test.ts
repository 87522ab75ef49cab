import { createHash } from 'node:crypto'
import { testDb } from '../../../../test/support/database.ts'
import { type CommandContext, runCli } from '../../src/index.ts'

function capture() {
  const out: string[] = []
  const err: string[] = []
  const ctx: CommandContext = {
    env: { DATABASE_URL: process.env.DATABASE_URL },
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
  }
  return { ctx, stdout: () => out.join(''), stderr: () => err.join('') }
}

const db = testDb()
afterAll(() => db.destroy())

test('api-key create prints the key once and stores only its sha256; list shows it; revoke revokes it', async () => {
  const name = `cli-${Date.now().toString(36)}`
  const create = capture()
  expect(await runCli(['api-key', 'create', '--name', name, '--scopes', 'read,bi'], create.ctx)).toBe(0)
  const [key, info] = create.stdout().split('\n')
  expect(key).toMatch(/^cbk_[A-Za-z0-9_-]{43}$/)
  const id = /^id (\S+) {2}prefix (\S+) {2}scopes read,bi/.exec(info ?? '')?.[1]
  const row = await db.selectFrom('api_keys').selectAll().where('name', '=', name).executeTakeFirstOrThrow()
  expect(row.id).toBe(id)
  expect(
    row.key_hash.equals(
      createHash('sha256')
        .update(key as string)
        .digest(),
    ),
  ).toBe(true)
  expect(row.scopes).toEqual(['read', 'bi'])

  const list = capture()
  expect(await runCli(['api-key', 'list'], list.ctx)).toBe(0)
  expect(list.stdout()).toContain(`${id}\t${row.prefix}\t${name}\tread,bi\t`)
  expect(list.stdout()).not.toContain(key)

  const revoke = capture()
  expect(await runCli(['api-key', 'revoke', row.prefix], revoke.ctx)).toBe(0)
  expect(revoke.stdout()).toBe(`revoked ${id} (${row.prefix}, ${name})\n`)
  const after = await db
    .selectFrom('api_keys')
    .select('revoked_at')
    .where('id', '=', row.id)
    .executeTakeFirstOrThrow()
  expect(after.revoked_at).not.toBeNull()
  const listed = capture()
  await runCli(['api-key', 'list'], listed.ctx)
  expect(listed.stdout()).not.toContain(id)
})

test('api-key refuses unknown scopes and a missing name (usage error, nothing stored)', async () => {
  const bad = capture()
  expect(await runCli(['api-key', 'create', '--name', 'x', '--scopes', 'read,root'], bad.ctx)).toBe(2)
  expect(bad.stderr()).toContain('--scopes must list some of read, write, admin, bi')
  const noName = capture()
  expect(await runCli(['api-key', 'create', '--scopes', 'read'], noName.ctx)).toBe(2)
  expect(
    await db.selectFrom('api_keys').select('id').where('name', '=', 'x').executeTakeFirst(),
  ).toBeUndefined()
})
