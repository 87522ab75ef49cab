/**
 * The baseline of `bench:ftp`: a bare ftp-srv (the library the edge is built on) in its own process, with one
 * fixed login and its own file system writing every upload into a directory. No name checks, no hashing, no
 * database, no bus, no logging: what storing an FTP upload costs at the least on this machine.
 *
 *   node bench/ftp/src/bare-ftp-srv.ts <port> <passive min> <passive max> <directory>
 *
 * Login: user `bench`, password `bench`. Stops on SIGTERM.
 */
import { FtpSrv } from 'ftp-srv'

const [port, pasvMin, pasvMax, root] = process.argv.slice(2)
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
server.on('login', ({ username, password }, resolve, reject) => {
  if (username === 'bench' && password === 'bench') resolve({ root })
  else reject(new Error('Login incorrect'))
})
await server.listen()
process.stdout.write(`bare ftp-srv listening on ${port}\n`)
process.once('SIGTERM', () => {
  void server.close().finally(() => process.exit(0))
})
