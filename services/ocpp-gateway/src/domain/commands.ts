import type { CommandStatus } from '@chargebus/events'

/*
 * Pure rules of the command dispatcher: what a station's answer means, when a command is too old to send,
 * how long to wait before the next attempt, what GetConfiguration tells about a station and which entries a
 * SendLocalList carries. No I/O, no clock: callers pass `now`.
 */

/** Answers that mean the station will do (or did) what was asked. */
const POSITIVE = new Set(['Accepted', 'Scheduled', 'RebootRequired', 'Unlocked'])

/**
 * `accepted` or `rejected` from a station's (1.6 form) answer: operations whose answer has a `status` are
 * accepted for Accepted, Scheduled (ChangeAvailability), RebootRequired (ChangeConfiguration) and Unlocked
 * (UnlockConnector), rejected otherwise; answers without a status (GetConfiguration, GetDiagnostics,
 * GetLocalListVersion, UpdateFirmware) are accepted.
 *
 * ### Examples
 * ```ts
 * outcomeOf({ status: 'Rejected' }) // 'rejected'
 * outcomeOf({ fileName: 'diag.zip' }) // 'accepted'
 * ```
 */
export function outcomeOf(
  response: Record<string, unknown>,
): Extract<CommandStatus, 'accepted' | 'rejected'> {
  const status = response.status
  if (typeof status !== 'string') return 'accepted'
  return POSITIVE.has(status) ? 'accepted' : 'rejected'
}

/** Whether a command must no longer be sent at `now`. */
export function isExpired(expiresAt: string | Date | null | undefined, now: Date): boolean {
  if (expiresAt === null || expiresAt === undefined) return false
  return new Date(expiresAt).getTime() <= now.getTime()
}

/**
 * Delay before delivery attempt `attempt + 1` to an unreachable station (attempt 1 = first failure): the
 * schedule's entry, the last one repeating. A message from the station cuts the wait short.
 */
export function retryDelayMs(attempt: number, schedule: readonly number[]): number {
  if (schedule.length === 0) return 0
  const i = Math.min(Math.max(attempt, 1), schedule.length) - 1
  return schedule[i] ?? 0
}

/** What a GetConfiguration answer says about a station. */
export interface LearnedConfiguration {
  configuration: Record<string, { value?: string; readonly: boolean }>
  /** SupportedFeatureProfiles split on commas; null when the station did not report the key. */
  profiles: string[] | null
  unknownKeys: string[]
}

/**
 * Whether an Accepted boot should be followed by GetConfiguration: yes for a station never asked, one that
 * now speaks another OCPP version, or one whose capabilities are older than `maxAgeMs` (a firmware update
 * marks them stale). A whole site reconnecting then costs one lookup per station, not a command each.
 */
export function needsDiscovery(
  known: { ocppVersion: string | null; learnedAt: Date } | undefined,
  boot: { ocppVersion: string },
  now: Date,
  maxAgeMs: number,
): boolean {
  if (known === undefined || known.ocppVersion !== boot.ocppVersion) return true
  return now.getTime() - known.learnedAt.getTime() >= maxAgeMs
}

/**
 * ### Examples
 * ```ts
 * learnConfiguration({ configurationKey: [{ key: 'SupportedFeatureProfiles', readonly: true, value: 'Core,RemoteTrigger' }] })
 * // { configuration: { SupportedFeatureProfiles: { value: 'Core,RemoteTrigger', readonly: true } }, profiles: ['Core', 'RemoteTrigger'], unknownKeys: [] }
 * ```
 */
export function learnConfiguration(response: {
  configurationKey?: ReadonlyArray<{ key: string; readonly: boolean; value?: string }>
  unknownKey?: readonly string[]
}): LearnedConfiguration {
  const configuration: LearnedConfiguration['configuration'] = {}
  for (const kv of response.configurationKey ?? []) {
    configuration[kv.key] =
      kv.value === undefined ? { readonly: kv.readonly } : { value: kv.value, readonly: kv.readonly }
  }
  const raw = Object.entries(configuration).find(([k]) => k.toLowerCase() === 'supportedfeatureprofiles')?.[1]
  const profiles =
    raw?.value === undefined
      ? null
      : raw.value
          .split(',')
          .map((p) => p.trim())
          .filter((p) => p !== '')
  return { configuration, profiles, unknownKeys: [...(response.unknownKey ?? [])] }
}

/** An idTagInfo as the local list carries it (OCPP 1.6). */
export interface LocalListEntry {
  status: string
  expiryDate?: string
  parentIdTag?: string
}

/** A SendLocalList authorization data item; no idTagInfo = remove the tag (differential updates). */
export interface AuthorizationData {
  idTag: string
  idTagInfo?: LocalListEntry
}

/** An id tag as the operational model holds it. */
export interface IdTagSource {
  idTag: string
  status: string
  expiryDate?: string
  parentIdTag?: string
}

/**
 * The entries of a SendLocalList built from the id tags: `Full` lists every tag; `Differential` lists tags
 * that are new or changed since `previous` (what the station accepted last) and removals (idTag only, no
 * idTagInfo). Keys of `previous` and of the result's `entries` are the tags as sent; tags compare
 * case-insensitively (OCPP IdToken).
 *
 * ### Examples
 * ```ts
 * buildLocalList('Differential', [{ idTag: 'A', status: 'Blocked' }], { A: { status: 'Accepted' }, B: { status: 'Accepted' } })
 * // { list: [{ idTag: 'A', idTagInfo: { status: 'Blocked' } }, { idTag: 'B' }], entries: { A: { status: 'Blocked' } } }
 * ```
 */
export function buildLocalList(
  updateType: 'Full' | 'Differential',
  tags: readonly IdTagSource[],
  previous: Readonly<Record<string, LocalListEntry>>,
): { list: AuthorizationData[]; entries: Record<string, LocalListEntry> } {
  const entries: Record<string, LocalListEntry> = {}
  const current = new Map<string, { idTag: string; info: LocalListEntry }>()
  for (const t of tags) {
    const info: LocalListEntry = { status: t.status }
    if (t.expiryDate !== undefined) info.expiryDate = t.expiryDate
    if (t.parentIdTag !== undefined) info.parentIdTag = t.parentIdTag
    entries[t.idTag] = info
    current.set(t.idTag.toUpperCase(), { idTag: t.idTag, info })
  }
  const sorted = [...current.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  if (updateType === 'Full') {
    return { list: sorted.map(([, v]) => ({ idTag: v.idTag, idTagInfo: v.info })), entries }
  }
  const before = new Map(Object.entries(previous).map(([tag, info]) => [tag.toUpperCase(), { tag, info }]))
  const list: AuthorizationData[] = []
  for (const [key, v] of sorted) {
    const old = before.get(key)
    if (old === undefined || !sameEntry(old.info, v.info)) list.push({ idTag: v.idTag, idTagInfo: v.info })
  }
  for (const [key, old] of [...before.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    if (!current.has(key)) list.push({ idTag: old.tag })
  return { list, entries }
}

function sameEntry(a: LocalListEntry, b: LocalListEntry): boolean {
  return a.status === b.status && a.expiryDate === b.expiryDate && a.parentIdTag === b.parentIdTag
}

/** Fills `{station}` in an upload location template (URL-encoded). */
export function uploadLocationFor(template: string, stationId: string): string {
  return template.replaceAll('{station}', encodeURIComponent(stationId))
}

/**
 * The list a station holds after it accepted a SendLocalList: `Full` replaces it, `Differential` updates the
 * tags given and removes those without idTagInfo (tags compare case-insensitively; keys are tags as sent).
 */
export function applyLocalList(
  previous: Readonly<Record<string, LocalListEntry>>,
  updateType: 'Full' | 'Differential',
  list: readonly AuthorizationData[],
): Record<string, LocalListEntry> {
  const next = new Map<string, { tag: string; info: LocalListEntry }>()
  if (updateType === 'Differential')
    for (const [tag, info] of Object.entries(previous)) next.set(tag.toUpperCase(), { tag, info })
  for (const item of list) {
    const key = item.idTag.toUpperCase()
    if (item.idTagInfo === undefined) next.delete(key)
    else next.set(key, { tag: item.idTag, info: { ...item.idTagInfo } })
  }
  return Object.fromEntries([...next.values()].map((e) => [e.tag, e.info]))
}
