import { execFile, execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger, createServiceApp, type ServiceApp } from '@chargebus/platform'

/*
 * docker/healthcheck.mjs, the image's HEALTHCHECK, run as Docker runs it (a process in the container's
 * environment) against the real /healthz of a service app, over HTTP and HTTPS, and against what must fail it.
 */

const SCRIPT = join(import.meta.dirname, '..', '..', 'docker', 'healthcheck.mjs')
const logger = createLogger({ name: 'healthcheck-test', level: 'silent' })

function probe(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  // only what the test names: no PORT inherited from the environment jest runs in
  const base = { PATH: process.env.PATH ?? '' }
  return new Promise((resolve) => {
    execFile(process.execPath, [SCRIPT], { env: { ...base, ...env } }, (err, _stdout, stderr) =>
      resolve({ code: err === null ? 0 : ((err as { code?: number }).code ?? -1), stderr }),
    )
  })
}

async function listen(app: ServiceApp): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 })
  return (app.server.address() as AddressInfo).port
}

describe('docker/healthcheck.mjs', () => {
  it("passes when the service's /healthz answers 200", async () => {
    const app = createServiceApp({ name: 'healthcheck-http', logger })
    try {
      const port = await listen(app)
      expect(await probe({ PORT: String(port) })).toEqual({ code: 0, stderr: '' })
    } finally {
      await app.close()
    }
  })

  it('probes over HTTPS when the gateway serves TLS itself, whatever name its certificate has', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'healthcheck-tls-'))
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')]
    const subject = '/CN=ocpp.example.com'
    const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', subject]
    execFileSync('openssl', [...args, '-keyout', key, '-out', cert], { stdio: 'ignore' })
    const app = createServiceApp({
      name: 'healthcheck-https',
      logger,
      https: { key: readFileSync(key), cert: readFileSync(cert) },
    })
    try {
      const port = await listen(app)
      expect(await probe({ PORT: String(port), OCPP_TLS_CERT_FILE: cert })).toEqual({ code: 0, stderr: '' })
      // the same port probed over plain HTTP is not a healthy service
      expect((await probe({ PORT: String(port) })).code).toBe(1)
    } finally {
      await app.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('fails when /healthz answers anything but 200', async () => {
    const server: Server = createServer((_req, res) => res.writeHead(503).end())
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const port = (server.address() as AddressInfo).port
      const r = await probe({ PORT: String(port) })
      expect(r.code).toBe(1)
      expect(r.stderr).toContain(`http://127.0.0.1:${port}/healthz answered 503`)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('fails when nothing listens on PORT', async () => {
    const app = createServiceApp({ name: 'healthcheck-gone', logger })
    const port = await listen(app)
    await app.close()
    const r = await probe({ PORT: String(port) })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('ECONNREFUSED')
  })

  it.each([[{}], [{ PORT: '' }], [{ PORT: 'http' }], [{ PORT: '70000' }]])(
    'fails with a line saying why when PORT is %j',
    async (env) => {
      const r = await probe(env)
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/^healthcheck: PORT must be the service's HTTP port/)
    },
  )
})
