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
 * Uploads every file at once, one `curl -T --ftp-pasv` each, and returns when all have ended. `onDone` sees
 * each result as it comes (progress). Wall time runs from the first spawn to the last exit; `spawnedMs` is when
 * the last curl process had started (on a busy machine, starting 100 processes takes a while).
 */
export async function uploadAll(
  target: UploadTarget,
  files: readonly ClientFile[],
  onDone: (done: number, r: UploadResult) => void,
  timeoutS = 600,
): Promise<{ results: UploadResult[]; wallMs: number; spawnedMs: number }> {
  const t0 = performance.now()
  let done = 0
  let started = 0
  let spawnedMs = 0
  const results = await Promise.all(
    files.map(
      (file, i) =>
        new Promise<UploadResult>((resolve, reject) => {
          const { user, password } = target.credentials(i)
          const child = spawn(
            'curl',
            [
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
            ],
            { stdio: ['ignore', 'pipe', 'pipe'] },
          )
          let stdout = ''
          let stderr = ''
          child.stdout.on('data', (c: Buffer) => {
            stdout += c.toString()
          })
          child.stderr.on('data', (c: Buffer) => {
            stderr += c.toString()
          })
          child.once('spawn', () => {
            if (++started === files.length) spawnedMs = performance.now() - t0
          })
          child.once('error', reject)
          child.once('close', (exitCode) => {
            const [code, pre, total, size] = stdout.trim().split(' ')
            const result: UploadResult = {
              file,
              user,
              exitCode,
              responseCode: Number(code),
              loginMs: Number(pre) * 1000,
              totalMs: Number(total) * 1000,
              transferMs: (Number(total) - Number(pre)) * 1000,
              bytesSent: Number(size),
              stderr: stderr.trim(),
            }
            onDone(++done, result)
            resolve(result)
          })
        }),
    ),
  )
  return { results, wallMs: performance.now() - t0, spawnedMs }
}
