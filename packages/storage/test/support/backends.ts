import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { createStorage, type StorageOptions } from '../../src/create-storage.ts'
import { PARTIAL_WRITE_NAME } from '../../src/object-key.ts'
import type { ObjectStorage } from '../../src/object-storage.ts'
import { type S3TestServer, startS3Server } from './s3-server.ts'

const MIB = 1024 * 1024

/** How to open a storage: what `createStorage` takes (plain data, so a child process can open it too). */
export interface StorageTarget {
  readonly url: string
  readonly options: StorageOptions
}

/** One implementation under the shared behavioural suite. */
export interface Backend {
  readonly name: string
  /** Whether `head` reports the SHA-256 of a body put from memory. */
  readonly keepsSha256OfInMemoryBodies: boolean
  /** Bytes one put holds at most (the S3 part in flight and the next one filling). */
  readonly bufferedBytes: number
  /** The memory test's body: large enough that a buffered body would show even in the resident set. */
  readonly streamedBytes: number
  start(): Promise<void>
  stop(): Promise<void>
  /** Where a storage of its own for one test is: a new directory, or a new prefix of the bucket. */
  target(): StorageTarget
  /** Opens a new {@link target}. */
  open(): Promise<ObjectStorage>
  /** Writes begun and not finished: partial files of the local directory, multipart uploads on the server. */
  writesInProgress(): Promise<string[]>
  /** Bytes those writes have stored so far: written to partial files, or in parts on the server. */
  bytesInProgress(): Promise<number>
}

export function localBackend(): Backend {
  let base = ''
  let opened = 0
  return {
    name: 'local directory',
    keepsSha256OfInMemoryBodies: false,
    bufferedBytes: 256 * 1024,
    streamedBytes: 64 * MIB,
    start: async () => {
      base = await mkdtemp(join(tmpdir(), 'chargebus-storage-'))
    },
    stop: () => rm(base, { recursive: true, force: true }),
    target: () => ({ url: join(base, `t${++opened}`), options: {} }),
    open() {
      const { url, options } = this.target()
      return createStorage(url, options)
    },
    writesInProgress: () => partialFiles(base),
    bytesInProgress: async () => totalSize((await partialFiles(base)).map((path) => join(base, path))),
  }
}

/** S3 with the smallest parts and one part in flight, and small list pages so that listings page. */
export const S3_TEST_TUNING = { partSize: 5 * MIB, queueSize: 1, listPageSize: 7 }

export function s3Backend(): Backend {
  let server: S3TestServer | undefined
  let opened = 0
  const running = (): S3TestServer => {
    if (server === undefined) throw new Error('the S3 server is not started')
    return server
  }
  return {
    name: 'S3 (S3rver)',
    keepsSha256OfInMemoryBodies: true,
    bufferedBytes: S3_TEST_TUNING.partSize * (S3_TEST_TUNING.queueSize + 1),
    streamedBytes: 64 * MIB,
    start: async () => {
      server = await startS3Server()
    },
    stop: async () => {
      await server?.stop()
    },
    target: () => {
      const { bucket, endpoint, credentials } = running()
      return {
        url: `s3://${bucket}/t${++opened}`,
        options: { s3: { endpoint, credentials, ...S3_TEST_TUNING } },
      }
    },
    open() {
      const { url, options } = this.target()
      return createStorage(url, options)
    },
    writesInProgress: async () => (await running().pendingUploads()).map((upload) => upload.id),
    bytesInProgress: async () => {
      const uploads = await running().pendingUploads()
      return totalSize(uploads.flatMap((upload) => upload.parts))
    },
  }
}

async function partialFiles(base: string): Promise<string[]> {
  const paths = await readdir(base, { recursive: true })
  return paths.filter((path) => PARTIAL_WRITE_NAME.test(basename(path)))
}

/** Sizes of files that may vanish meanwhile (a put finished): a vanished file counts as empty. */
async function totalSize(paths: string[]): Promise<number> {
  const sizes = await Promise.all(
    paths.map((path) =>
      stat(path).then(
        (s) => s.size,
        () => 0,
      ),
    ),
  )
  return sizes.reduce((sum, size) => sum + size, 0)
}
