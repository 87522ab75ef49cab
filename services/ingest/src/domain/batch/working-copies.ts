/**
 * The records a batch works on: copies of the stored ones, made on first use so the stored state is never
 * changed, and the ones the batch changed, in the order it first changed them.
 *
 * ### Examples
 * ```ts
 * const stations = workingCopies(state.stations, 'station')
 * const s = stations.get('CP-1')
 * s.vendor = 'ACME'
 * stations.markChanged('CP-1')
 * stations.changed() // [s]
 * ```
 */
export function workingCopies<K, V extends object>(stored: ReadonlyMap<K, V>, kind: string) {
  const copies = new Map<K, V>()
  const changed = new Set<K>()

  /** The record, or undefined when none is stored. */
  function find(key: K): V | undefined {
    let copy = copies.get(key)
    if (copy === undefined) {
      const original = stored.get(key)
      if (original === undefined) return undefined
      copy = { ...original }
      copies.set(key, copy)
    }
    return copy
  }

  return {
    find,
    /** The record; data-access must have loaded it (it ensures every station and transaction of a batch). */
    get(key: K): V {
      const copy = find(key)
      if (copy === undefined) throw new Error(`${kind} ${String(key)} was not loaded`)
      return copy
    },
    markChanged(key: K): void {
      changed.add(key)
    },
    changed(): V[] {
      return [...changed].map((key) => copies.get(key) as V)
    },
  }
}
