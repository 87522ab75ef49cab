/*
 * What a station may call an upload. The name comes from the internet, so it is checked before anything is
 * stored: it names a file in the station's own space, never a path elsewhere. Pure: no I/O.
 */

/** A name's limit in UTF-8 bytes (NAME_MAX on common file systems). */
export const MAX_NAME_BYTES = 255

export type UploadNameVerdict =
  | { readonly ok: true; readonly name: string }
  | { readonly ok: false; readonly reason: string }

const CONTROL_CHARACTER = /\p{Cc}/u
const LONE_SURROGATE = /\p{Cs}/u

/**
 * The file name of a STOR argument, or why it is refused. Accepted: a plain name (`diag.zip`), or one under the
 * station's own directory (`/CP-1/diag.zip`, `CP-1/diag.zip`), which some firmware prepends. Refused: an empty
 * name, `.` or `..` anywhere, any other directory (another station's included), a backslash, a control
 * character (NUL, CR, LF...), a lone surrogate, or more than {@link MAX_NAME_BYTES} bytes.
 *
 * ### Examples
 * ```ts
 * uploadName('CP-1', '/CP-1/diag.zip') // { ok: true, name: 'diag.zip' }
 * uploadName('CP-1', '../CP-2/diag.zip') // { ok: false, reason: 'a ".." segment: names stay in your own directory' }
 * ```
 */
export function uploadName(stationId: string, path: string | null | undefined): UploadNameVerdict {
  if (path === null || path === undefined || path === '') return refuse('no file name')
  if (CONTROL_CHARACTER.test(path)) return refuse('a control character in the name')
  if (LONE_SURROGATE.test(path)) return refuse('the name is not valid UTF-8 text')
  if (path.includes('\\')) return refuse('a backslash in the name')
  const segments = path.split('/')
  if (segments[0] === '') segments.shift()
  if (segments.some((s) => s === '..')) return refuse('a ".." segment: names stay in your own directory')
  if (segments.some((s) => s === '.' || s === '')) return refuse('an empty or "." segment in the name')
  if (segments.length === 2 && segments[0] !== stationId)
    return refuse(`directory ${segments[0]} is not yours: upload into / or /${stationId}/`)
  if (segments.length > 2) return refuse(`directories are not writable: upload into / or /${stationId}/`)
  const name = segments.at(-1) as string
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES)
    return refuse(`the name is longer than ${MAX_NAME_BYTES} bytes`)
  return { ok: true, name }
}

function refuse(reason: string): UploadNameVerdict {
  return { ok: false, reason }
}
