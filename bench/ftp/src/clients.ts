/**
 * The bench's clients: files of random bytes (each its own content, so no upload is a duplicate of another) and
 * one `curl -T` process per upload, all started at once.
 */
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { join } from 'node:path'
import { finished } from 'node:stream/promises'

export interface ClientFile {
  readonly path: string
  readonly name: string
  readonly size: number
  readonly sha256: string
}

/** `count` files of `size` random bytes in `dir`, hashed while written. */
export async function writeClientFiles(dir: string, count: number, size: number): Promise<ClientFile[]> {
  const files: ClientFile[] = []
  for (let i = 0; i < count; i++) {
    const name = `upload-${String(i + 1).padStart(3, '0')}.bin`
    const path = join(dir, name)
    const out = createWriteStream(path)
    const hash = createHash('sha256')
    for (let left = size; left > 0; ) {
      const chunk = randomBytes(Math.min(left, 1 << 20))
      hash.update(chunk)
      if (!out.write(chunk)) await once(out, 'drain')
      left -= chunk.length
    }
    out.end()
    await finished(out)
    files.push({ path, name, size, sha256: hash.digest('hex') })
  }
  return files
}

export interface UploadTarget {
  readonly label: string
  readonly port: number
  /** The login of the i-th upload. */
  credentials(i: number): { user: string; password: string }
}

export interface UploadResult {
  readonly file: ClientFile
  readonly user: string
  readonly exitCode: number | null
  /** The last FTP reply curl saw: 226 when the server confirmed the upload. */
  readonly responseCode: number
  /** curl's time from start to the end of login and PASV/EPSV (`time_pretransfer`), in ms. */
  readonly loginMs: number
  /** curl's whole time for the upload (`time_total`), in ms. */
  readonly totalMs: number
  /** From the end of login and PASV/EPSV to the server's final reply: the data path alone, in ms. */
  readonly transferMs: number
  readonly bytesSent: number
  readonly stderr: string
}

const WRITE_OUT = '%{response_code} %{time_pretransfer} %{time_total} %{size_upload}'

/**
 * Uploads every file at once, one `curl -T --ftp-pasv` each, and returns when all have ended. Starting a process
 * is slow on a busy machine (100 took 3-15 s here, and Node's spawn blocks the event loop meanwhile), so each
 * curl first waits behind a `read` in its shell: the clock starts when the last one is ready and the gate
 * opens, and the servers see the uploads arrive together. `onDone` sees each result as it comes (progress).
 */
export async function uploadAll(
  target: UploadTarget,
  files: readonly ClientFile[],
  onDone: (done: number, r: UploadResult) => void,
  timeoutS = 600,
): Promise<{ results: UploadResult[]; wallMs: number; spawnMs: number }> {
  const spawnStart = performance.now()
  const children = files.map((file, i) => {
    const { user, password } = target.credentials(i)
    const curl = [
      '--silent',
      '--show-error',
      '--ftp-pasv',
      '--max-time',
      String(timeoutS),
      '--user',
      `${user}:${password}`,
      '--upload-file',
      file.path,
      '--write-out',
      WRITE_OUT,
      `ftp://127.0.0.1:${target.port}/${file.name}`,
    ]
    const child = spawn('sh', ['-c', 'read -r _ && exec curl "$@"', 'sh', ...curl], {
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString()
    })
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString()
    })
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve)
      child.once('error', reject)
    })
    const ended = new Promise<UploadResult>((resolve) => {
      child.once('close', (exitCode) => {
        const [code, pre, total, size] = stdout.trim().split(' ')
        resolve({
          file,
          user,
          exitCode,
          responseCode: Number(code),
          loginMs: Number(pre) * 1000,
          totalMs: Number(total) * 1000,
          transferMs: (Number(total) - Number(pre)) * 1000,
          bytesSent: Number(size),
          stderr: stderr.trim(),
        })
      })
    })
    return { child, spawned, ended }
  })
  await Promise.all(children.map((c) => c.spawned))
  const t0 = performance.now()
  for (const { child } of children) child.stdin.end('\n')
  let done = 0
  const results = await Promise.all(
    children.map((c) =>
      c.ended.then((r) => {
        onDone(++done, r)
        return r
      }),
    ),
  )
  return { results, wallMs: performance.now() - t0, spawnMs: t0 - spawnStart }
}
