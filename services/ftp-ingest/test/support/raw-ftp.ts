import { connect, type Socket } from 'node:net'

/** A reply: code and the text of its last line. */
export interface Reply {
  code: number
  text: string
}

/**
 * A bare FTP control connection for hostile tests: it sends exactly the bytes it is given (NUL, CR, huge
 * names), reads replies as RFC 959 frames them (multi-line `123-` ... `123 `), and opens passive data
 * connections by hand, so a test can cut one mid-transfer. Real clients (basic-ftp, curl, lftp) cover the
 * well-behaved paths.
 */
export async function rawFtp(port: number, host = '127.0.0.1') {
  const socket = connect({ port, host })
  let buffer = ''
  const replies: Reply[] = []
  const waiters: Array<(r: Reply) => void> = []
  let closed = false
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => {
    buffer += chunk
    for (;;) {
      const match = /^(\d{3}) ([^\r\n]*)\r?\n/m.exec(buffer)
      if (match === null) break
      buffer = buffer.slice((match.index ?? 0) + match[0].length)
      const reply = { code: Number(match[1]), text: match[2] ?? '' }
      const waiter = waiters.shift()
      if (waiter) waiter(reply)
      else replies.push(reply)
    }
  })
  socket.on('close', () => {
    closed = true
  })
  socket.on('error', () => {})
  const next = (timeoutMs = 10_000): Promise<Reply> => {
    const queued = replies.shift()
    if (queued) return Promise.resolve(queued)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no FTP reply in time')), timeoutMs)
      waiters.push((r) => {
        clearTimeout(timer)
        resolve(r)
      })
    })
  }
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve())
    socket.once('error', reject)
  })
  const greeting = await next()
  return {
    socket,
    greeting,
    next,
    get closed() {
      return closed
    },
    /** Sends one command line (the bytes as given, then CRLF) and waits for its reply. */
    async send(line: string): Promise<Reply> {
      socket.write(`${line}\r\n`)
      return next()
    },
    async login(user: string, password: string): Promise<Reply> {
      const r = await this.send(`USER ${user}`)
      if (r.code !== 331) return r
      return this.send(`PASS ${password}`)
    },
    /** EPSV, then a data connection to the port it names. */
    async passive(): Promise<Socket> {
      const r = await this.send('EPSV')
      const port = /\(\|\|\|(\d+)\|\)/.exec(r.text)?.[1]
      if (r.code !== 229 || port === undefined) throw new Error(`EPSV refused: ${r.code} ${r.text}`)
      const data = connect({ port: Number(port), host })
      await new Promise<void>((resolve, reject) => {
        data.once('connect', () => resolve())
        data.once('error', reject)
      })
      return data
    },
    close(): void {
      socket.destroy()
    },
  }
}

export type RawFtp = Awaited<ReturnType<typeof rawFtp>>
