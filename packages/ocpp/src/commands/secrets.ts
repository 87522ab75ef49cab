/*
 * What in a command, or in a station's answer to one, is a secret: the station's Basic-auth password
 * (ChangeConfiguration of AuthorizationKey, OCPP 1.6 security) and credentials in a file location
 * (`ftp://user:password@host/...` of GetDiagnostics and UpdateFirmware). Stored and shown records carry
 * `MASK` instead; only the message to the station carries the value.
 */

/** What a masked value reads. */
export const MASK = '***'

/** Configuration keys whose value is a secret (compared case-insensitively, as stations do). */
export const SECRET_CONFIGURATION_KEYS: readonly string[] = ['AuthorizationKey']

export function isSecretConfigurationKey(key: string): boolean {
  const k = key.toLowerCase()
  return SECRET_CONFIGURATION_KEYS.some((s) => s.toLowerCase() === k)
}

/**
 * Operations an operator needs more than `write` for: they send a station to a file server of the
 * requester's choosing (UpdateFirmware downloads and installs, GetDiagnostics uploads what it knows) or set
 * the station's password.
 *
 * ### Examples
 * ```ts
 * isPrivilegedCommand('Reset', { type: 'Soft' }) // false
 * isPrivilegedCommand('ChangeConfiguration', { key: 'AuthorizationKey', value: '...' }) // true
 * ```
 */
export function isPrivilegedCommand(operation: string, payload: Record<string, unknown>): boolean {
  if (operation === 'UpdateFirmware' || operation === 'GetDiagnostics') return true
  return (
    operation === 'ChangeConfiguration' &&
    typeof payload.key === 'string' &&
    isSecretConfigurationKey(payload.key)
  )
}

/** The payload as it may be stored and shown: secrets replaced by `MASK`. */
export function maskCommandPayload(
  operation: string,
  payload: Record<string, unknown>,
): Record<string, unknown> {
  if (
    operation === 'ChangeConfiguration' &&
    typeof payload.key === 'string' &&
    isSecretConfigurationKey(payload.key)
  )
    return { ...payload, value: MASK }
  if (
    (operation === 'UpdateFirmware' || operation === 'GetDiagnostics') &&
    typeof payload.location === 'string'
  )
    return { ...payload, location: maskUrlPassword(payload.location) }
  return payload
}

/** A station's answer as it may be stored and shown: a GetConfiguration that reports a secret key's value. */
export function maskCommandResponse(
  operation: string,
  response: Record<string, unknown>,
): Record<string, unknown> {
  if (operation !== 'GetConfiguration' || !Array.isArray(response.configurationKey)) return response
  return {
    ...response,
    configurationKey: response.configurationKey.map((entry: unknown) => {
      const e = entry as { key?: unknown; value?: unknown }
      return typeof e.key === 'string' && isSecretConfigurationKey(e.key) && e.value !== undefined
        ? { ...e, value: MASK }
        : entry
    }),
  }
}

/** `ftp://user:secret@host/x` -> `ftp://user:***@host/x`; anything that is not such a URL is returned as is. */
export function maskUrlPassword(location: string): string {
  let url: URL
  try {
    url = new URL(location)
  } catch {
    return location
  }
  if (url.password === '') return location
  url.password = MASK
  return url.toString().replace(`:${encodeURIComponent(MASK)}@`, `:${MASK}@`)
}
