import { readFileSync } from 'node:fs'
import { type ConnectionOptions, credsAuthenticator } from '@nats-io/transport-node'

/**
 * Where NATS is and how to prove who we are: a `.creds` file (NKey + JWT, decentralised auth), a user and
 * password, or a token; TLS when the URL says `tls://` or a CA or client certificate is given.
 */
export interface NatsAccess {
  servers: string | string[]
  credsFile?: string | undefined
  user?: string | undefined
  password?: string | undefined
  token?: string | undefined
  tls?:
    | { caFile?: string | undefined; certFile?: string | undefined; keyFile?: string | undefined }
    | undefined
}

/**
 * The access of a service from the common NATS variables (`commonConfig.nats`).
 *
 * ### Examples
 * ```ts
 * const bus = await connectBus({ ...natsAccessFrom(config), name: 'ingest', logger })
 * ```
 */
export function natsAccessFrom(config: {
  NATS_URL: string
  NATS_CREDS_FILE?: string | undefined
  NATS_USER?: string | undefined
  NATS_PASSWORD?: string | undefined
  NATS_TOKEN?: string | undefined
  NATS_TLS_CA_FILE?: string | undefined
  NATS_TLS_CERT_FILE?: string | undefined
  NATS_TLS_KEY_FILE?: string | undefined
}): NatsAccess {
  const tlsGiven = [config.NATS_TLS_CA_FILE, config.NATS_TLS_CERT_FILE, config.NATS_TLS_KEY_FILE].some(
    (v) => v !== undefined,
  )
  return {
    servers: config.NATS_URL.split(',').map((s) => s.trim()),
    credsFile: config.NATS_CREDS_FILE,
    user: config.NATS_USER,
    password: config.NATS_PASSWORD,
    token: config.NATS_TOKEN,
    tls:
      tlsGiven || config.NATS_URL.startsWith('tls://')
        ? {
            caFile: config.NATS_TLS_CA_FILE,
            certFile: config.NATS_TLS_CERT_FILE,
            keyFile: config.NATS_TLS_KEY_FILE,
          }
        : undefined,
  }
}

/** The nats.js connection options of an access (the credentials file is read now, once). */
export function natsConnectionOptions(access: NatsAccess): ConnectionOptions {
  const options: ConnectionOptions = { servers: access.servers }
  if (access.credsFile !== undefined)
    options.authenticator = credsAuthenticator(readFileSync(access.credsFile))
  else if (access.token !== undefined) options.token = access.token
  else if (access.user !== undefined) {
    options.user = access.user
    if (access.password !== undefined) options.pass = access.password
  }
  if (access.tls !== undefined) {
    const tls: NonNullable<ConnectionOptions['tls']> = {}
    if (access.tls.caFile !== undefined) tls.caFile = access.tls.caFile
    if (access.tls.certFile !== undefined) tls.certFile = access.tls.certFile
    if (access.tls.keyFile !== undefined) tls.keyFile = access.tls.keyFile
    options.tls = tls
  }
  return options
}
