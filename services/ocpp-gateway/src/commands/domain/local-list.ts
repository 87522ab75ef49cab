/*
 * Pure rules of SendLocalList: which entries a list built from the id tags carries, what the station holds
 * after accepting one, and the payload sent. No I/O.
 */

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

/** A station's local list: its version and entries (idTag as sent -> idTagInfo). */
export interface LocalList {
  version: number
  entries: Record<string, LocalListEntry>
}

/**
 * What a SendLocalList sends, and the list the station holds once it accepts: the caller's list as given, or
 * (without `localAuthorizationList`) one built from `tags`; `listVersion` is the caller's, else the station's
 * last accepted version + 1. `tags` are only read when the payload brings no list.
 *
 * ### Examples
 * ```ts
 * localListToSend({ updateType: 'Full' }, { version: 4, entries: {} }, [{ idTag: 'A', status: 'Accepted' }])
 * // { payload: { listVersion: 5, localAuthorizationList: [{ idTag: 'A', idTagInfo: { status: 'Accepted' } }], updateType: 'Full' },
 * //   localList: { version: 5, entries: { A: { status: 'Accepted' } } } }
 * ```
 */
export function localListToSend(
  payload: Readonly<Record<string, unknown>>,
  previous: LocalList | undefined,
  tags: readonly IdTagSource[],
): { payload: Record<string, unknown>; localList: LocalList } {
  const updateType = payload.updateType === 'Differential' ? 'Differential' : 'Full'
  const version = typeof payload.listVersion === 'number' ? payload.listVersion : (previous?.version ?? 0) + 1
  const before = previous?.entries ?? {}
  const given = payload.localAuthorizationList as AuthorizationData[] | undefined
  const { list, entries } =
    given === undefined
      ? buildLocalList(updateType, tags, before)
      : { list: given, entries: applyLocalList(before, updateType, given) }
  return {
    payload: { listVersion: version, localAuthorizationList: list, updateType },
    localList: { version, entries },
  }
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
