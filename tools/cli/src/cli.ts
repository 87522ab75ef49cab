import { AppError } from '@chargebus/errors'
import { commands } from './commands/index.ts'
import type { CommandContext } from './context.ts'

/** Exit codes: 0 done, 1 the command failed, 2 the command line was wrong. */
export const EXIT_OK = 0
export const EXIT_FAILED = 1
export const EXIT_USAGE = 2

/**
 * Runs `chargebus <command> [args]` and resolves the exit code. Operational failures (`AppError`) and
 * command-line mistakes print one line to stderr; anything else is a bug and prints its stack.
 *
 * ### Examples
 * ```ts
 * process.exitCode = await runCli(process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr })
 * ```
 */
export async function runCli(argv: string[], ctx: CommandContext): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const out = name === undefined ? ctx.stderr : ctx.stdout
    out.write(await renderHelp())
    return name === undefined ? EXIT_USAGE : EXIT_OK
  }
  const load = Object.hasOwn(commands, name) ? commands[name] : undefined
  if (load === undefined) {
    ctx.stderr.write(`chargebus: unknown command ${JSON.stringify(name)} (chargebus --help lists them)\n`)
    return EXIT_USAGE
  }
  const command = await load()
  if (rest.includes('--help') || rest.includes('-h')) {
    ctx.stdout.write(`${command.usage}\n`)
    return EXIT_OK
  }
  try {
    return await command.run(rest, ctx)
  } catch (err) {
    if (isParseArgsError(err)) {
      ctx.stderr.write(`chargebus ${name}: ${err.message} (chargebus ${name} --help)\n`)
      return EXIT_USAGE
    }
    if (err instanceof AppError) {
      ctx.stderr.write(`chargebus ${name}: ${oneLine(err.message)}\n`)
      return EXIT_FAILED
    }
    ctx.stderr.write(
      `chargebus ${name}: unexpected error (a bug)\n${(err as Error | undefined)?.stack ?? String(err)}\n`,
    )
    return EXIT_FAILED
  }
}

async function renderHelp(): Promise<string> {
  const names = Object.keys(commands).sort()
  const width = Math.max(...names.map((n) => n.length))
  const lines = await Promise.all(
    names.map(async (n) => `  ${n.padEnd(width)}  ${(await commands[n]?.())?.summary ?? ''}`),
  )
  return `usage: chargebus <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nchargebus <command> --help shows a command's options.\n`
}

/** By code, not `instanceof`: node:util's errors may come from another realm (jest's vm contexts). */
function isParseArgsError(err: unknown): err is Error {
  const code: unknown = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')
}

/** Config errors can list several variables; keep the promise of one line per failure. */
function oneLine(message: string): string {
  return message.split('\n').join('; ')
}
