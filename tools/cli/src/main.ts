#!/usr/bin/env node
// `pnpm chargebus <command>`: the process edge. Dispatch lives in cli.ts (tested in-process);
// this file only wires the real environment and streams and sets the exit code.
import { runCli } from './cli.ts'

// `chargebus events generate ... | head`: a reader that stops early ends the output, not with a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err
  process.exit(0)
})

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
})
