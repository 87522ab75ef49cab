import type { Command } from '../context.ts'

/**
 * Every command, loaded on demand so `chargebus migrate` does not load the code of `simulate`.
 * Adding a command: write `src/commands/<name>.ts` exporting `command: Command`, add one line here.
 */
export const commands: Readonly<Record<string, () => Promise<Command>>> = {
  migrate: async () => (await import('./migrate.ts')).command,
  'id-tags': async () => (await import('./id-tags.ts')).command,
  station: async () => (await import('./station.ts')).command,
  'api-key': async () => (await import('./api-key.ts')).command,
  simulate: async () => (await import('./simulate.ts')).command,
  demo: async () => (await import('./demo.ts')).command,
  events: async () => (await import('./events.ts')).command,
  dlq: async () => (await import('./dlq.ts')).command,
  replay: async () => (await import('./replay.ts')).command,
  archive: async () => (await import('./archive.ts')).command,
  restore: async () => (await import('./restore.ts')).command,
  aggregates: async () => (await import('./aggregates.ts')).command,
  files: async () => (await import('./files.ts')).command,
  firmware: async () => (await import('./firmware.ts')).command,
  trace: async () => (await import('./trace.ts')).command,
}
