import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

/** The FTP edge's Prometheus metrics, registered on the app's registry (`/metrics`). */
export function createFtpIngestMetrics(registry: Registry) {
  const registers = [registry]
  return {
    connections: new Gauge({
      name: 'ftp_connections',
      help: 'Open FTP control connections (logged in or not).',
      registers,
    }),
    logins: new Counter({
      name: 'ftp_logins_total',
      help: 'Login attempts by outcome: ok, incorrect (unknown name, wrong password, refused station), throttled, tls-required.',
      labelNames: ['outcome'] as const,
      registers,
    }),
    uploads: new Counter({
      name: 'ftp_uploads_total',
      help: 'STOR commands by outcome: stored, duplicate, bad-name, too-large (file limit or quota), aborted (connection cut or stalled), no-data-connection, failed (storage, Postgres or NATS).',
      labelNames: ['outcome'] as const,
      registers,
    }),
    bytes: new Counter({
      name: 'ftp_upload_bytes_total',
      help: 'Bytes of uploads stored and recorded (duplicates included).',
      registers,
    }),
    downloads: new Counter({
      name: 'ftp_downloads_total',
      help: 'Firmware RETR by outcome: complete (the grant is spent), failed (not found, connection cut, storage).',
      labelNames: ['outcome'] as const,
      registers,
    }),
    meterLogs: new Counter({
      name: 'ftp_meter_logs_total',
      help: 'Received files by what the meter-log parser made of them: parsed, rejected, duplicate, not-a-meter-log, not-recorded.',
      labelNames: ['outcome'] as const,
      registers,
    }),
    meterLogRows: new Counter({
      name: 'ftp_meter_log_rows_total',
      help: 'Rows of parsed meter logs published as ftp.file.parsed.',
      registers,
    }),
    uploadSeconds: new Histogram({
      name: 'ftp_upload_duration_seconds',
      help: 'From STOR to its final reply, by outcome.',
      labelNames: ['outcome'] as const,
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    pullPolls: new Counter({
      name: 'ftp_pull_polls_total',
      help: 'Polls of a pull source by outcome: ok (listed, every new file tried), failed (connect, login or listing failed: backed off), leased (another replica holds the source).',
      labelNames: ['source', 'outcome'] as const,
      registers,
    }),
    pullFiles: new Counter({
      name: 'ftp_pull_files_total',
      help: 'Files of a pull source by outcome: pulled, duplicate (bytes already received), failed (retried next poll), skipped (too large or an unsafe name).',
      labelNames: ['source', 'outcome'] as const,
      registers,
    }),
    pullBytes: new Counter({
      name: 'ftp_pull_bytes_total',
      help: 'Bytes of pulled files stored and recorded, per source.',
      labelNames: ['source'] as const,
      registers,
    }),
  }
}

export type FtpIngestMetrics = ReturnType<typeof createFtpIngestMetrics>
