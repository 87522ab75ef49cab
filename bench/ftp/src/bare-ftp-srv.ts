/**
 * The baseline of `bench:ftp`: a bare ftp-srv (the library the edge is built on) in its own process, with one
 * fixed login and its own file system writing every upload into a directory. No name checks, no hashing, no
 * database, no bus, no logging: what storing an FTP upload costs at the least on this machine.
 *
 *   node bench/ftp/src/bare-ftp-srv.ts <port> <passive min> <passive max> <directory>
 *
 *   node bench/ftp/src/bare-ftp-srv.ts <port> <passive min> <passive max> <directory> check-passwords
 *
 * Login: user `bench`, password `bench`. With `check-passwords` (the `bare-scrypt` target), every login is
 * checked as the edge checks a station's: a scrypt hash as the station registry stores it, verified on the
 * registry's password-check worker (one thread, nice 19, SCHED_IDLE), so the two bare targets differ by the
 * login's required cost alone. Stops on SIGTERM.
 */
import { createPasswordChecks, hashPassword } from '@chargebus/station-registry'
import { FtpSrv } from 'ftp-srv'

const [port, pasvMin, pasvMax, root, mode] = process.argv.slice(2)
if (port === undefined || pasvMin === undefined || pasvMax === undefined || root === undefined) {
  process.stderr.write('usage: bare-ftp-srv.ts <port> <passive min> <passive max> <directory>\n')
  process.exit(2)
}

// ftp-srv logs through a bunyan-like object; the edge sends all of it to debug, so the baseline logs nothing.
const quiet: Record<string, unknown> = {}
for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal']) quiet[level] = () => {}
quiet.child = () => quiet

const server = new FtpSrv({
  url: `ftp://127.0.0.1:${port}`,
  pasv_url: '127.0.0.1',
  pasv_min: Number(pasvMin),
  pasv_max: Number(pasvMax),
  anonymous: false,
  log: quiet as never,
})
const checks = mode === 'check-passwords' ? createPasswordChecks({ threads: 1 }) : undefined
const stored = hashPassword('bench')
server.on('login', ({ username, password }, resolve, reject) => {
  const matches =
    checks === undefined ? Promise.resolve(password === 'bench') : checks.verify(stored, password)
  void matches.then((ok) => {
    if (username === 'bench' && ok) resolve({ root })
    else reject(new Error('Login incorrect'))
  })
})
await server.listen()
process.stdout.write(`bare ftp-srv listening on ${port}\n`)
process.once('SIGTERM', () => {
  void Promise.all([server.close(), checks?.close()]).finally(() => process.exit(0))
})
