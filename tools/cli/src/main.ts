#!/usr/bin/env node
// `pnpm chargebus <command>`: the process edge. Dispatch lives in cli.ts (tested in-process);
// this file only wires the real environment and streams and sets the exit code.
import { runCli } from './cli.ts'

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
})
