import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Bus, connectBus, type StreamLimitsByName, streamLimitsFrom } from '@chargebus/bus'
import { createStorage, type ObjectStorage } from '@chargebus/storage'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { pino } from 'pino'
import { NATS_URL, uniqueNamespace } from '../../../../test/support/nats.ts'
import { type S3TestServer, startS3Server } from '../../../storage/test/support/s3-server.ts'
import { type ArchiveAccess, openArchiveAccess } from '../../src/index.ts'

export const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' })

/** Tiny limits: nats-server 2.9 reserves max_bytes up front on the shared server. */
export const testLimits: StreamLimitsByName = streamLimitsFrom({
  BUS_STREAM_OCPP_IN_MAX_BYTES: '4MiB',
  BUS_STREAM_DOMAIN_MAX_BYTES: '1MiB',
  BUS_STREAM_COMMANDS_MAX_BYTES: '1MiB',
  BUS_STREAM_FTP_MAX_BYTES: '1MiB',
  BUS_STREAM_AGGREGATES_MAX_BYTES: '1MiB',
  BUS_STREAM_DEAD_LETTERS_MAX_BYTES: '1MiB',
})

export interface StorageBackend {
  readonly name: string
  start(): Promise<void>
  open(): Promise<ObjectStorage>
  stop(): Promise<void>
}

export function localDirectory(): StorageBackend {
  let base = ''
  let n = 0
  return {
    name: 'local directory',
    start: async () => {
      base = await mkdtemp(join(tmpdir(), 'chargebus-archive-'))
    },
    open: () => createStorage(join(base, `s${++n}`)),
    stop: () => rm(base, { recursive: true, force: true }),
  }
}

export function s3(): StorageBackend {
  let server: S3TestServer | undefined
  let n = 0
  return {
    name: 'S3',
    start: async () => {
      server = await startS3Server()
    },
    open: () => {
      if (!server) throw new Error('S3 server not started')
      return createStorage(`s3://${server.bucket}/a${++n}`, {
        s3: { endpoint: server.endpoint, credentials: server.credentials },
      })
    },
    stop: async () => {
      await server?.stop()
    },
  }
}

/** A namespace with a bus (for publishing as the services do) and the archive's own access. */
export interface ArchiveWorld {
  readonly namespace: string
  readonly bus: Bus
  readonly access: ArchiveAccess
  close(): Promise<void>
}

export async function openWorld(limits: StreamLimitsByName = testLimits): Promise<ArchiveWorld> {
  const namespace = uniqueNamespace('ar')
  const bus = await connectBus({
    servers: NATS_URL,
    name: 'archive-test',
    namespace,
    logger,
    streamLimits: limits,
  })
  const access = await openArchiveAccess({
    access: { servers: NATS_URL },
    name: 'archive-test',
    namespace,
    streamLimits: limits,
  })
  return {
    namespace,
    bus,
    access,
    async close() {
      await access.close()
      await bus.close()
      await deleteNamespace(namespace)
    },
  }
}

export async function deleteNamespace(namespace: string): Promise<void> {
  const nc = await connect({ servers: NATS_URL, name: 'archive-test-cleanup' })
  try {
    const jsm = await jetstreamManager(nc)
    const prefix = `${namespace.toUpperCase()}_`
    const names: string[] = []
    for await (const name of jsm.streams.names())
      if (name.startsWith(prefix) || name.startsWith(`KV_${prefix}`)) names.push(name)
    await Promise.all(names.map((name) => jsm.streams.delete(name)))
  } finally {
    await nc.close()
  }
}

let counter = 0

/** A realistic raw station message (~700 B of JSON). */
export function aStationMessage(at: Date, station = 'CP-0001') {
  counter++
  return {
    stationId: station,
    ocppVersion: '1.6' as const,
    action: 'MeterValues',
    messageId: `urn:uuid:archive-test-${process.pid}-${counter}`,
    receivedAt: at.toISOString(),
    from: 'http://10.20.30.40:8080/ChargePointService',
    payload: {
      connectorId: 1,
      transactionId: 1000 + counter,
      values: [
        {
          timestamp: at.toISOString(),
          value: [
            {
              value: String(1000 + counter),
              unit: 'Wh',
              measurand: 'Energy.Active.Import.Register',
              context: 'Sample.Periodic',
            },
            { value: '16.0', unit: 'A', measurand: 'Current.Import', phase: 'L1' },
            { value: '230.1', unit: 'V', measurand: 'Voltage', phase: 'L1' },
          ],
        },
      ],
    },
    quirks: [],
  }
}
