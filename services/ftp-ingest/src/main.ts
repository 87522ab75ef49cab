// Started by `pnpm start` (scripts/start.ts) or `node src/main.ts`.
// First: how V8 collects the upload Buffers (external-memory-gc.ts); then tracing must be registered before anything below loads what it instruments (pg, http).
import './external-memory-gc.ts'
import '@chargebus/platform/instrument'
import { startService } from '@chargebus/platform'
import { telemetry } from '@chargebus/platform/instrument'
import { buildApp } from './app.ts'
import { checkPassiveRange, FtpIngestConfig, ftpTlsFrom, pullSourcesFrom } from './config.ts'
import { csvProfilesFrom } from './csv-profiles.ts'
import { openFtpIngestDependencies } from './deps.ts'

// The FTP server closes in preClose (app.ts); then the bus drains and the pool closes.
await startService({
  name: 'ftp-ingest',
  configSchema: FtpIngestConfig,
  checkConfig: (config) => {
    try {
      checkPassiveRange(config)
      ftpTlsFrom(config)
      pullSourcesFrom(config)
      csvProfilesFrom(config)
      return undefined
    } catch (err) {
      return `config: ${(err as Error).message}`
    }
  },
  open: openFtpIngestDependencies,
  build: buildApp,
  telemetry,
})
