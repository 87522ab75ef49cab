import type { ServiceName } from './environments.ts'

/** How a service meets the outside world and how it scales: the one table the service stacks are built from. */
export type ServiceSpec = {
  port: number
  /** Postgres through pgbouncer (DATABASE_URL). */
  database: boolean
  /** Object storage: which bucket, read/write. */
  bucket?: 'archive' | 'uploads'
  edge?: 'ocpp-nlb' | 'api-alb' | 'ftp-nlb'
  scaling: 'cpu' | 'consumer-lag' | 'singleton'
}

export const SERVICE_SPECS: Record<ServiceName, ServiceSpec> = {
  'ocpp-gateway': { port: 3100, database: true, edge: 'ocpp-nlb', scaling: 'cpu' },
  ingest: { port: 3200, database: true, scaling: 'consumer-lag' },
  aggregator: { port: 3300, database: true, scaling: 'consumer-lag' },
  api: { port: 3000, database: true, bucket: 'uploads', edge: 'api-alb', scaling: 'cpu' },
  // Passive FTP needs the data connection on the task that answered PASV: one task (infra/README.md).
  'ftp-ingest': { port: 3400, database: true, bucket: 'uploads', edge: 'ftp-nlb', scaling: 'singleton' },
  // A singleton by design: one writer of the archive's manifests (services/archiver/README.md).
  archiver: { port: 3500, database: false, bucket: 'archive', scaling: 'singleton' },
}

export const FTP_CONTROL_PORT = 2121
export const FTP_PASSIVE_PORTS = Array.from({ length: 20 }, (_, i) => 30000 + i)
