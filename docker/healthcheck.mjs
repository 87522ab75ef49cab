// The image's HEALTHCHECK (and the ECS task definitions' health check): exit 0 when the service in this
// container answers GET /healthz (alive; readiness is the load balancer's /readyz) within 3 s, else 1.
// Every service listens on PORT; the image cannot know the per-service default, so PORT must be set (compose
// and infra/ set it). The gateway serving TLS itself (OCPP_TLS_CERT_FILE) is probed over HTTPS: its
// certificate names the public host, not 127.0.0.1, so it is not verified on this loopback probe.
import { get as getHttp } from 'node:http'
import { get as getHttps } from 'node:https'

const TIMEOUT_MS = 3000
const port = Number(process.env.PORT)
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`healthcheck: PORT must be the service's HTTP port (got ${JSON.stringify(process.env.PORT)})`)
  process.exit(1)
}
const tls = (process.env.OCPP_TLS_CERT_FILE ?? '') !== ''
const get = tls ? getHttps : getHttp
const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}/healthz`

const req = get(url, { timeout: TIMEOUT_MS, rejectUnauthorized: false }, (res) => {
  res.resume()
  if (res.statusCode === 200) process.exit(0)
  console.error(`healthcheck: ${url} answered ${res.statusCode}`)
  process.exit(1)
})
req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)))
req.on('error', (err) => {
  console.error(`healthcheck: ${url}: ${err.message}`)
  process.exit(1)
})
