// Started by `pnpm start` (scripts/start.ts) or `node src/main.ts`.
// First: tracing must be registered before anything below loads what it instruments (pg, http).
import '@chargebus/platform/instrument'
// Imported first: with `--import` it already ran; without, it still starts tracing.

import { startService } from '@chargebus/platform'
import { telemetry } from '@chargebus/platform/instrument'
import { buildApp } from './app.ts'
import { ArchiverConfig } from './config.ts'
import { openArchiverDependencies } from './deps.ts'

// The loops stop in preClose (app.ts); then the NATS connection drains.
await startService({
  name: 'archiver',
  configSchema: ArchiverConfig,
  open: openArchiverDependencies,
  build: buildApp,
  telemetry,
})
