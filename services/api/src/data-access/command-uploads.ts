import type { Database, Kysely } from '@chargebus/db'

/** A file a station uploaded with a command's one-time FTP credentials. */
export interface CommandUpload {
  readonly fileId: string
  readonly name: string
  readonly size: number
  readonly sha256: string
  readonly receivedAt: Date
}

/** The uploads linked to a command (GetDiagnostics), oldest first. */
export async function uploadsOfCommand(db: Kysely<Database>, commandId: string): Promise<CommandUpload[]> {
  const rows = await db
    .selectFrom('ftp_files')
    .select(['id', 'name', 'size', 'sha256', 'received_at'])
    .where('command_id', '=', commandId)
    .orderBy('received_at')
    .orderBy('id')
    .execute()
  return rows.map((r) => ({
    fileId: r.id,
    name: r.name,
    size: Number(r.size),
    sha256: r.sha256,
    receivedAt: r.received_at,
  }))
}
