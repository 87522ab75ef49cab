import type { Clock, Env } from '@chargebus/platform'

/** The environment a command reads: `process.env` in `main.ts`, a plain record in tests. */
export type { Env }

/**
 * Where a command writes; `main.ts` passes the process streams, tests pass collectors. Bytes (`files get`
 * to stdout) are written as `Uint8Array`; a stream that returns false from `write` and has `once` is waited on
 * for 'drain' by writers of large output.
 */
export interface Output {
  write(data: string | Uint8Array): unknown
}

/** What every command receives besides its own arguments. No globals: tests run commands in-process. */
export interface CommandContext {
  env: Env
  stdout: Output
  stderr: Output
  /** What commands that read input (`events publish`, `events invoke`) read; `process.stdin` in `main.ts`. */
  stdin?: AsyncIterable<Uint8Array | string>
  /** "Now" for relative times (`trace --since 2h`); `systemClock` when not given, a pinned clock in tests. */
  clock?: Clock
}

/**
 * One `chargebus <name>` command, the default shape of `src/commands/<name>.ts`. `args` are the
 * arguments after the command name; parse them with `node:util` `parseArgs` (strict). Resolve the
 * exit code; throw an `AppError` for an operational failure (printed as one line, exit 1).
 */
export interface Command {
  /** One line for `chargebus --help`. */
  summary: string
  /** Printed by `chargebus <name> --help`. */
  usage: string
  run(args: string[], ctx: CommandContext): Promise<number>
}
