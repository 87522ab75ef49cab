import type { Database, Kysely } from '@chargebus/db'

/** What the meter-log parser made of a file, as `ftp_files` keeps it. */
export type ParseOutcomeRow =
  | { readonly status: 'parsed'; readonly profile: string; readonly rows: number }
  | {
      readonly status: 'rejected'
      readonly profile: string
      readonly line: number
      readonly code: string
      readonly reason: string
    }

/**
 * Records the outcome on the file's row, once: a file already parsed keeps its first outcome and time, so a
 * redelivered event changes nothing. Returns whether the row was updated.
 */
export async function recordParseOutcome(
  db: Kysely<Database>,
  fileId: string,
  outcome: ParseOutcomeRow,
  at: Date,
): Promise<boolean> {
  const result = await db
    .updateTable('ftp_files')
    .set({
      parse_status: outcome.status,
      parse_profile: outcome.profile,
      parsed_rows: outcome.status === 'parsed' ? outcome.rows : null,
      rejected_line: outcome.status === 'rejected' ? outcome.line : null,
      rejected_code: outcome.status === 'rejected' ? outcome.code : null,
      rejected_reason: outcome.status === 'rejected' ? outcome.reason : null,
      parsed_at: at,
    })
    .where('id', '=', fileId)
    .where('parse_status', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

/** Whether an upload was recorded (an event can outlive a rolled-back row: see receive-upload.ts). */
export async function uploadRecorded(db: Kysely<Database>, fileId: string): Promise<boolean> {
  const row = await db.selectFrom('ftp_files').select('id').where('id', '=', fileId).executeTakeFirst()
  return row !== undefined
}
