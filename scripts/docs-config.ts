// Rewrites the configuration tables of the READMEs (between <!-- config:start --> and <!-- config:end -->)
// from the config schemas: `pnpm docs:config`. The docs tests fail until it ran after a schema change.
import { readFileSync, writeFileSync } from 'node:fs'
import { commonConfig, renderConfigTable } from '@chargebus/platform'
import { storageConfig } from '@chargebus/storage'
import { type TObject, Type } from 'typebox'
import { AggregatorConfig } from '../services/aggregator/src/config.ts'
import { ApiConfig } from '../services/api/src/config.ts'
import { ArchiverConfig } from '../services/archiver/src/config.ts'
import { FtpIngestConfig } from '../services/ftp-ingest/src/config.ts'
import { IngestConfig } from '../services/ingest/src/config.ts'
import { GatewayConfig } from '../services/ocpp-gateway/src/config.ts'
import { TraceUiConfig } from '../tools/cli/src/config.ts'

/** The platform README shows each piece of `commonConfig` under its own heading. */
const commonSections = (
  [
    ['logging', commonConfig.logging],
    ['telemetry', commonConfig.telemetry],
    ['http({ port: 3000 })', commonConfig.http({ port: 3000 })],
    ['database', commonConfig.database],
    ['nats', commonConfig.nats],
  ] as const
)
  .map(([name, piece]) => `#### commonConfig.${name}\n\n${renderConfigTable(Type.Object(piece)).trimEnd()}`)
  .join('\n\n')

const readmes: Array<[path: string, table: string]> = [
  ['packages/platform/README.md', commonSections],
  ...(
    [
      ['services/aggregator/README.md', AggregatorConfig],
      ['services/api/README.md', ApiConfig],
      ['services/archiver/README.md', ArchiverConfig],
      ['services/ftp-ingest/README.md', FtpIngestConfig],
      ['services/ingest/README.md', IngestConfig],
      ['services/ocpp-gateway/README.md', GatewayConfig],
      ['packages/storage/README.md', Type.Object(storageConfig)],
      ['tools/cli/README.md', TraceUiConfig],
    ] as Array<[string, TObject]>
  ).map(([path, schema]): [string, string] => [path, renderConfigTable(schema).trimEnd()]),
]

for (const [path, table] of readmes) {
  const url = new URL(`../${path}`, import.meta.url)
  const before = readFileSync(url, 'utf8')
  const after = before.replace(
    /<!-- config:start -->\n[\s\S]*?\n<!-- config:end -->/,
    `<!-- config:start -->\n${table}\n<!-- config:end -->`,
  )
  if (after === before) console.log(`${path}: up to date`)
  else {
    writeFileSync(url, after)
    console.log(`${path}: configuration table rewritten`)
  }
}
