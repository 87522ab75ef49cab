import type { Database, Kysely } from '@chargebus/db'
import { listUploads } from '../../data-access/ftp-files.ts'
import { directory, type EntryStat, file } from './entry-stats.ts'

/** Entries a listing shows at most (the newest). */
const LISTED = 1000

/**
 * A station's view of the edge, as ftp-srv's per-connection file system: one flat, write-only directory (`/`,
 * also reachable as `/<station>`). LIST shows the station's own uploads (newest first, from `ftp_files`);
 * nothing can be read, renamed or deleted, and no other directory exists. Uploads (STOR) do not come here:
 * the edge's own handler streams them into storage (`store-upload.ts`).
 */
export class StationFiles {
  private readonly db: Kysely<Database>
  private readonly stationId: string

  constructor(db: Kysely<Database>, stationId: string) {
    this.db = db
    this.stationId = stationId
  }

  currentDirectory(): string {
    return '/'
  }

  private isRoot(path: string | undefined): boolean {
    const p = (path ?? '.').replace(/\/+$/, '')
    return ['', '.', '/', this.stationId, `/${this.stationId}`].includes(p)
  }

  async get(path: string): Promise<EntryStat> {
    if (this.isRoot(path)) return directory('.')
    const name = path.replace(/^\//, '')
    const [file] = await listUploads(this.db, this.stationId, 1, name)
    if (file === undefined) throw new Error('No such file')
    return entry(file)
  }

  async list(path: string): Promise<EntryStat[]> {
    if (!this.isRoot(path)) throw new Error('No such directory')
    return (await listUploads(this.db, this.stationId, LISTED)).map(entry)
  }

  async chdir(path: string): Promise<string> {
    if (!this.isRoot(path)) throw new Error('No such directory: uploads go into /')
    return '/'
  }
}

function entry(upload: { name: string; size: number; receivedAt: Date }): EntryStat {
  return file(upload.name, upload.size, upload.receivedAt)
}
