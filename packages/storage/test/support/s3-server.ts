import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const MAIN = fileURLToPath(new URL('./s3-server-main.ts', import.meta.url))
const START_TIMEOUT_MS = 15_000

export interface PendingUpload {
  readonly id: string
  readonly parts: string[]
}

/** A real S3-compatible server (S3rver) in a child process, on a free loopback port, with one bucket. */
export interface S3TestServer {
  readonly endpoint: string
  readonly bucket: string
  /** S3rver's fixed account. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string }
  /**
   * Multipart uploads begun and neither completed nor aborted, with the files of their parts. Read from the
   * server's data directory: S3rver has no ListMultipartUploads.
   */
  pendingUploads(): Promise<PendingUpload[]>
  stop(): Promise<void>
}

/**
 * Starts S3rver with its data in a fresh temporary directory. The child runs with
 * `--openssl-legacy-provider`: S3rver encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3
 * (Node 17 and later) only has in its legacy provider.
 */
export async function startS3Server(bucket = 'chargebus-test'): Promise<S3TestServer> {
  const directory = await mkdtemp(join(tmpdir(), 'chargebus-s3rver-'))
  const child = spawn(process.execPath, ['--openssl-legacy-provider', MAIN, directory, bucket], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  try {
    const port = await portOf(child)
    return {
      endpoint: `http://127.0.0.1:${port}`,
      bucket,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      pendingUploads: () => pendingUploads(join(directory, bucket, '._S3rver_uploads')),
      stop: async () => {
        await stopChild(child)
        await rm(directory, { recursive: true, force: true })
      },
    }
  } catch (err) {
    await stopChild(child)
    await rm(directory, { recursive: true, force: true })
    throw err
  }
}

/** S3rver keeps an upload as a directory named by its id, holding one file per part named by its number. */
async function pendingUploads(uploadsDirectory: string): Promise<PendingUpload[]> {
  const ids = await readdir(uploadsDirectory).catch(() => [])
  return Promise.all(
    ids.map(async (id) => {
      const files = await readdir(join(uploadsDirectory, id)).catch(() => [])
      const parts = files.filter((name) => /^\d+$/.test(name)).map((name) => join(uploadsDirectory, id, name))
      return { id, parts }
    }),
  )
}

/** The port from the child's first line, `{"port":N}`; its stderr if it exits first. */
function portOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(
      () => reject(new Error(`S3rver did not start within ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    )
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      const line = stdout.split('\n')[0]
      if (!stdout.includes('\n') || line === undefined) return
      clearTimeout(timer)
      resolve((JSON.parse(line) as { port: number }).port)
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`S3rver exited with ${code} before listening: ${stderr.trim()}`))
    })
  })
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  await exited
}
