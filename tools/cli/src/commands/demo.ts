import { type ChildProcess, spawn } from 'node:child_process'
import { createWriteStream, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import type { Command, CommandContext } from '../context.ts'
import { demoGuide, parseStartLine, type StackAddresses } from '../demo/guide.ts'
import { UnreachableError } from '../errors.ts'

const ROOT = join(import.meta.dirname, '..', '..', '..', '..')
const DEV_KEY = 'dev-admin-key'

export const command: Command = {
  summary:
    'the whole stack (pnpm start) and a small simulated fleet that charges; says where to look; Ctrl-C ends it',
  usage: `usage: chargebus demo [--stations N] [--smoke]

Starts the stack as pnpm start does (dependencies first; its log goes to .local/demo/stack.log), runs a burst of
N simulated stations (default 5) that boot and charge two sessions each with their id tag registered, reads the
sessions back through the API, and prints where to look: the API docs with the development key, example curl
commands and the live event stream (SSE). Then the fleet keeps charging (steady profile) until Ctrl-C, which
stops the fleet and the stack (exit 0). --smoke stops after the sessions were read back (exit 1 when none).`,

  async run(args, ctx) {
    const { values } = parseArgs({
      args,
      options: { stations: { type: 'string', default: '5' }, smoke: { type: 'boolean', default: false } },
      strict: true,
    })
    const stations = values.stations
    // Ctrl-C reaches us twice (the terminal, and pnpm forwarding it): a listener of our own keeps the second
    // one from killing the process before the stack, in its own process group, is stopped.
    let interrupted = false
    const onSignal = () => {
      interrupted = true
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    const stack = await startStack(ctx)
    try {
      const burst = await simulate(ctx, stack.addresses, [
        '--stations',
        stations,
        '--profile',
        'burst',
        '--sessions',
        '2',
      ])
      const sessions = await readSessions(stack.addresses)
      ctx.stdout.write(
        demoGuide(
          stack.addresses,
          DEV_KEY,
          { burstExit: burst, sessions },
          (ctx.clock ?? (() => new Date()))(),
        ),
      )
      if (values.smoke) return burst === 0 && sessions > 0 ? 0 : 1
      if (interrupted) return 0
      ctx.stderr.write('demo: the fleet keeps charging (steady); Ctrl-C stops it and the stack\n')
      await simulate(ctx, stack.addresses, [
        ...['--stations', stations, '--profile', 'steady', '--session-chance', '1', '--duration', '604800'],
      ])
      return 0
    } finally {
      await stack.stop()
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  },
}

interface Stack {
  addresses: StackAddresses
  stop(): Promise<void>
}

/** scripts/start.ts in its own process group, its log in a file; resolves once it says every service is up. */
async function startStack(ctx: CommandContext): Promise<Stack> {
  const logDir = join(ROOT, '.local', 'demo')
  mkdirSync(logDir, { recursive: true })
  const logPath = join(logDir, 'stack.log')
  const log = createWriteStream(logPath)
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'scripts', 'start.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...ctx.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  ctx.stderr.write(`demo: starting the stack (log: ${logPath})\n`)
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
    log.end()
  }
  child.stderr?.pipe(log, { end: false })
  const addresses = await new Promise<StackAddresses | undefined>((resolve) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      log.write(`${line}\n`)
      if (line.startsWith('start:')) ctx.stderr.write(`demo: ${line}\n`)
      const up = parseStartLine(line)
      if (up) resolve(up)
    })
    void exited.then(() => resolve(undefined))
  })
  if (addresses === undefined) {
    await stop()
    throw new UnreachableError(`the stack did not come up; see ${logPath}`)
  }
  return { addresses, stop }
}

/** `chargebus simulate` in-process against the stack; its summary goes to the log, its verdict lines to stderr. */
async function simulate(ctx: CommandContext, at: StackAddresses, args: string[]): Promise<number> {
  const { runCli } = await import('../cli.ts')
  return runCli(['simulate', '--url', `${at.gateway}/ocpp/1.6`, '--id-prefix', 'DEMO', ...args], {
    ...ctx,
    stdout: { write: () => true },
  })
}

async function readSessions(at: StackAddresses): Promise<number> {
  // The API sees a session once ingest has written it: a few seconds at most after the burst.
  for (let attempt = 0; attempt < 50; attempt++) {
    const res = await fetch(`${at.api}/v1/sessions?stationId=DEMO-00001&limit=10`, {
      headers: { authorization: `Bearer ${DEV_KEY}` },
    })
    const count = res.ok ? ((await res.json()) as { data: unknown[] }).data.length : 0
    if (count > 0) return count
    await new Promise((r) => setTimeout(r, 200))
  }
  return 0
}
