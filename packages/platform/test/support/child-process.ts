import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

export const platformSrc = fileURLToPath(new URL('../../src/', import.meta.url))
export const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url))

/** A child Node process whose stdout JSON lines (pino) and stderr text the test can wait for. */
export interface Child {
  readonly process: ChildProcess
  readonly lines: Record<string, unknown>[]
  stderr(): string
  /** Resolves with the first log line (seen or future) that matches; rejects after `timeoutMs`. */
  waitForLine(
    match: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>
  /** Resolves with the exit code (or signal name) once the process ended. */
  exited: Promise<number | string>
}

/** Starts `node [nodeArgs] script` with the given extra environment; stdout is parsed as JSON lines. */
export function startNode(
  script: string,
  options: { nodeArgs?: string[]; env?: Record<string, string> } = {},
): Child {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script], {
    env: { ...process.env, LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: Record<string, unknown>[] = []
  const waiters: {
    match: (line: Record<string, unknown>) => boolean
    resolve: (line: Record<string, unknown>) => void
  }[] = []
  let stderr = ''
  let buffered = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk
    const parts = buffered.split('\n')
    buffered = parts.pop() ?? ''
    for (const part of parts.filter(Boolean)) {
      let line: Record<string, unknown>
      try {
        line = JSON.parse(part)
      } catch {
        line = { raw: part }
      }
      lines.push(line)
      for (const waiter of waiters.filter((w) => w.match(line))) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve(line)
      }
    }
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string)
  return {
    process: child,
    lines,
    stderr: () => stderr,
    exited,
    waitForLine(match, timeoutMs = 10_000) {
      const seen = lines.find(match)
      if (seen) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new Error(
              `no matching log line within ${timeoutMs} ms; stdout: ${JSON.stringify(lines)}; stderr: ${stderr}`,
            ),
          )
        }, timeoutMs)
        waiters.push({
          match,
          resolve: (line) => {
            clearTimeout(timer)
            resolve(line)
          },
        })
        void exited.then((code) => {
          clearTimeout(timer)
          reject(new Error(`process exited (${code}) before a matching log line; stderr: ${stderr}`))
        })
      })
    },
  }
}

/** The `http://host:port` Fastify logs when it listens. */
export async function listeningAddress(child: Child): Promise<string> {
  const line = await child.waitForLine(
    (l) => typeof l.msg === 'string' && l.msg.startsWith('Server listening at '),
  )
  return String(line.msg).replace('Server listening at ', '')
}

/** Per-test budget for tests that start Node processes: a loaded CI machine starts them slowly. */
export const CHILD_TIMEOUT_MS = 20_000
