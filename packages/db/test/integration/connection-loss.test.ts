import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { PauseMode } from '../../../../test/support/tcp-proxy.ts'

/*
 * A pg connection that dies while a query is in flight (pgbouncer restarted, network cut) must fail
 * that query, not the process: pg emits 'error' on the checked-out client, and with nobody listening
 * that is an uncaught exception and the service exits. The scenario runs in a child Node process
 * (test/support/lost-connection.ts): jest's sandboxed `process` never sees the real process's
 * 'uncaughtException', the child's listener does.
 */

/** Generous: starts a Node process and talks to real servers on a shared, sometimes busy machine. */
const SLOW = 30_000
const SCRIPT = fileURLToPath(new URL('../support/lost-connection.ts', import.meta.url))

interface Run {
  code: number | null
  stderr: string
  logs: Record<string, unknown>[]
  result: Record<string, unknown> | undefined
}

function runLostConnection(mode: PauseMode): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, mode], {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: process.env.DATABASE_URL ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    child.on('error', reject)
    child.on('close', (code) => {
      const lines = stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>)
      const result = lines.find((l) => 'result' in l)?.result as Record<string, unknown> | undefined
      resolve({ code, stderr, logs: lines.filter((l) => !('result' in l)), result })
    })
  })
}

test.each<PauseMode>(['refuse', 'blackhole'])(
  'a connection lost mid-query (%s) fails that query, not the process; the pool recovers',
  async (mode) => {
    const run = await runLostConnection(mode)
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' })
    expect(run.result).toEqual({
      inFlight: true,
      ...(mode === 'blackhole' ? { pendingWhileBlackholed: true } : {}),
      query1: { ok: false, error: 'Connection terminated unexpectedly' },
      after: [{ n: 1 }],
      uncaught: [],
    })
    expect(run.logs).toContainEqual(
      expect.objectContaining({
        level: 40,
        err: 'Connection terminated unexpectedly',
        msg: 'database connection failed while in use; its query fails and the pool replaces it',
      }),
    )
  },
  SLOW,
)
