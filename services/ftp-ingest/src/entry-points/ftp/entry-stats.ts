/** What ftp-srv's LIST, SIZE and MDTM format for an entry (a subset of fs.Stats). */
export interface EntryStat {
  name: string
  size: number
  mtime: Date
  mode: number
  isDirectory(): boolean
}

/** A read-only directory. */
export function directory(name: string): EntryStat {
  return { name, size: 0, mtime: new Date(0), mode: 0o40555, isDirectory: () => true }
}

/** A read-only file. */
export function file(name: string, size: number, mtime: Date): EntryStat {
  return { name, size, mtime, mode: 0o100444, isDirectory: () => false }
}
