import type { Readable } from 'node:stream'
import type { FirmwareImage } from '@chargebus/db'
import type { ObjectStorage } from '@chargebus/storage'
import { directory, type EntryStat, file } from './entry-stats.ts'

/**
 * A download grant's view of the edge, as ftp-srv's per-connection file system: one read-only directory holding
 * the one firmware image the grant names (`/<name>`), read from the catalogue at each request (an image removed
 * meanwhile is gone). RETR streams it from object storage, from the REST offset on (a resumed download).
 */
export class FirmwareFiles {
  private readonly fileName: string
  private readonly findImage: (name: string) => Promise<FirmwareImage | undefined>
  private readonly storage: Pick<ObjectStorage, 'get'>

  constructor(
    fileName: string,
    findImage: (name: string) => Promise<FirmwareImage | undefined>,
    storage: Pick<ObjectStorage, 'get'>,
  ) {
    this.fileName = fileName
    this.findImage = findImage
    this.storage = storage
  }

  currentDirectory(): string {
    return '/'
  }

  private isRoot(path: string | undefined): boolean {
    return ['', '.', '/'].includes((path ?? '.').replace(/\/+$/, ''))
  }

  /** The image, if `path` names it and it is still catalogued. */
  private async image(path: string): Promise<FirmwareImage> {
    const name = path.replace(/^\//, '')
    const image = name === this.fileName ? await this.findImage(name) : undefined
    if (image === undefined) throw new Error('No such file')
    return image
  }

  async get(path: string): Promise<EntryStat> {
    if (this.isRoot(path)) return directory('.')
    return entry(await this.image(path))
  }

  async list(path: string): Promise<EntryStat[]> {
    if (!this.isRoot(path)) throw new Error('No such directory')
    const image = await this.findImage(this.fileName)
    return image === undefined ? [] : [entry(image)]
  }

  async chdir(path: string): Promise<string> {
    if (!this.isRoot(path)) throw new Error('No such directory')
    return '/'
  }

  async read(path: string, opts: { start?: number } = {}): Promise<{ stream: Readable; clientPath: string }> {
    const image = await this.image(path)
    const stream = await this.storage.get(image.objectKey, { start: opts.start ?? 0 })
    return { stream, clientPath: image.name }
  }
}

function entry(image: FirmwareImage): EntryStat {
  return file(image.name, image.size, image.createdAt)
}
