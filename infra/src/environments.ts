/**
 * The three environments and everything that differs between them, in one typed table.
 * Sizes are on paper in infra/README.md ("Sizing"); prod here is the 10k-stations column.
 */
export const ENVIRONMENT_NAMES = ['dev', 'staging', 'prod'] as const
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number]

/** CPU units and MiB of one Fargate task, and how many run. */
export type TaskSize = { cpu: number; memoryMiB: number; min: number; max: number }

export type EnvironmentSettings = {
  /** NAT gateways: one per AZ in prod (an AZ outage keeps egress), one elsewhere (cost). */
  natGateways: number
  database: {
    instanceClass: string
    allocatedStorageGiB: number
    maxAllocatedStorageGiB: number
    multiAz: boolean
    backupRetentionDays: number
    deletionProtection: boolean
  }
  /**
   * The three NATS nodes' size, and the replicas of every stream and KV bucket (the services'
   * NATS_STREAM_REPLICAS): 3 keeps an acknowledged message through the loss of a node, at three times the store.
   * `syncInterval` is JetStream's `sync_interval`: nats-server acknowledges before it fsyncs, and by default
   * fsyncs every 2 minutes, so a node whose machine dies loses what it acknowledged since. With one copy (R1)
   * that is the message: `always`. With R3 the other two nodes hold it; `1s` bounds what dies with two nodes at
   * once to about a second (docs/operations.md, NATS in production).
   */
  nats: {
    cpu: number
    memoryMiB: number
    maxStoreGiB: number
    streamReplicas: 1 | 3
    syncInterval: 'always' | `${number}s`
  }
  pgbouncer: { cpu: number; memoryMiB: number; count: number }
  /** Days CloudWatch keeps service logs. */
  logRetentionDays: number
  /** Days the archive bucket keeps objects before they expire (the streams' long-term history). */
  archiveRetentionDays: number
  /** Days station uploads (diagnostics, CSV logs) are kept. */
  uploadsRetentionDays: number
  /** Buckets and the database survive a `cdk destroy` in prod and staging. */
  retainData: boolean
  services: Record<ServiceName, TaskSize>
}

export const SERVICE_NAMES = [
  'ocpp-gateway',
  'ingest',
  'aggregator',
  'api',
  'ftp-ingest',
  'archiver',
] as const
export type ServiceName = (typeof SERVICE_NAMES)[number]

const small: TaskSize = { cpu: 256, memoryMiB: 512, min: 1, max: 2 }

export const ENVIRONMENTS: Record<EnvironmentName, EnvironmentSettings> = {
  dev: {
    natGateways: 1,
    database: {
      instanceClass: 't4g.micro',
      allocatedStorageGiB: 20,
      maxAllocatedStorageGiB: 50,
      multiAz: false,
      backupRetentionDays: 1,
      deletionProtection: false,
    },
    nats: { cpu: 512, memoryMiB: 1024, maxStoreGiB: 20, streamReplicas: 1, syncInterval: 'always' },
    pgbouncer: { cpu: 256, memoryMiB: 512, count: 1 },
    logRetentionDays: 7,
    archiveRetentionDays: 30,
    uploadsRetentionDays: 30,
    retainData: false,
    services: {
      'ocpp-gateway': small,
      ingest: small,
      aggregator: small,
      api: small,
      'ftp-ingest': { ...small, max: 1 },
      archiver: { ...small, max: 1 },
    },
  },
  staging: {
    natGateways: 1,
    database: {
      instanceClass: 't4g.medium',
      allocatedStorageGiB: 50,
      maxAllocatedStorageGiB: 200,
      multiAz: false,
      backupRetentionDays: 7,
      deletionProtection: false,
    },
    // As prod: the first R3 start after an R1 one scales the streams in place, rehearsed here.
    nats: { cpu: 1024, memoryMiB: 2048, maxStoreGiB: 100, streamReplicas: 3, syncInterval: '1s' },
    pgbouncer: { cpu: 256, memoryMiB: 512, count: 2 },
    logRetentionDays: 30,
    archiveRetentionDays: 90,
    uploadsRetentionDays: 90,
    retainData: true,
    services: {
      'ocpp-gateway': { cpu: 512, memoryMiB: 1024, min: 2, max: 4 },
      ingest: { cpu: 512, memoryMiB: 1024, min: 1, max: 3 },
      aggregator: { cpu: 512, memoryMiB: 1024, min: 1, max: 2 },
      api: { cpu: 512, memoryMiB: 1024, min: 2, max: 4 },
      'ftp-ingest': { cpu: 512, memoryMiB: 1024, min: 1, max: 1 },
      archiver: { cpu: 512, memoryMiB: 1024, min: 1, max: 1 },
    },
  },
  prod: {
    natGateways: 2,
    database: {
      instanceClass: 'r6g.large',
      allocatedStorageGiB: 200,
      maxAllocatedStorageGiB: 2000,
      multiAz: true,
      backupRetentionDays: 30,
      deletionProtection: true,
    },
    nats: { cpu: 2048, memoryMiB: 8192, maxStoreGiB: 400, streamReplicas: 3, syncInterval: '1s' },
    pgbouncer: { cpu: 512, memoryMiB: 1024, count: 2 },
    logRetentionDays: 90,
    archiveRetentionDays: 730,
    uploadsRetentionDays: 365,
    retainData: true,
    services: {
      'ocpp-gateway': { cpu: 1024, memoryMiB: 2048, min: 2, max: 8 },
      ingest: { cpu: 1024, memoryMiB: 2048, min: 2, max: 6 },
      aggregator: { cpu: 1024, memoryMiB: 2048, min: 1, max: 4 },
      api: { cpu: 1024, memoryMiB: 2048, min: 2, max: 6 },
      // One FTP task: a passive data connection must reach the task that answered PASV (infra/README.md).
      'ftp-ingest': { cpu: 1024, memoryMiB: 2048, min: 1, max: 1 },
      // The archiver is a singleton by design (services/archiver/README.md).
      archiver: { cpu: 1024, memoryMiB: 2048, min: 1, max: 1 },
    },
  },
}
