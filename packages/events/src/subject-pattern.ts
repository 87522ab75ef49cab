import { InvalidSubjectPatternError } from './errors.ts'
import { decodeSubjectToken, encodeSubjectToken } from './subject-token.ts'

/** The `{name}` placeholders of a pattern such as `ocpp.in.{version}.{station}.{action}`. */
export type SubjectParams<P extends string> = P extends `${string}{${infer K}}${infer Rest}`
  ? K | SubjectParams<Rest>
  : never

/** A subject with named placeholders: how an event's subject is built, matched and documented. */
export interface SubjectTemplate<P extends string = string> {
  /** As written, e.g. `ocpp.in.{version}.{station}.{action}`. */
  readonly pattern: P
  /** The NATS filter matching every subject of the template, e.g. `ocpp.in.*.*.*`. */
  readonly filter: string
  /** Builds a subject; each value is passed through `encodeSubjectToken`. */
  build(params: Record<SubjectParams<P>, string>): string
  /** A NATS filter with the given placeholders fixed (encoded) and `*` for the others. */
  filterFor(params: Partial<Record<SubjectParams<P>, string>>): string
  /** The decoded placeholder values, or undefined when the subject does not fit the template. */
  parse(subject: string): Record<SubjectParams<P>, string> | undefined
}

const LITERAL = /^[A-Za-z0-9_-]+$/
const PLACEHOLDER = /^\{([A-Za-z][A-Za-z0-9]*)\}$/

/**
 * ### Examples
 * ```ts
 * const t = subjectTemplate('session.{station}.started')
 * t.build({ station: 'CP.1' })        // 'session.CP%2E1.started'
 * t.parse('session.CP%2E1.started')   // { station: 'CP.1' }
 * t.filter                            // 'session.*.started'
 * subjectTemplate('ocpp.in.{version}.{station}.{action}').filterFor({ station: 'CP.1' })
 *                                     // 'ocpp.in.*.CP%2E1.*'
 * ```
 */
export function subjectTemplate<const P extends string>(pattern: P): SubjectTemplate<P> {
  const parts = pattern.split('.').map((token) => {
    const placeholder = PLACEHOLDER.exec(token)?.[1]
    if (placeholder) return { placeholder }
    if (!LITERAL.test(token))
      throw new InvalidSubjectPatternError(pattern, `bad token ${JSON.stringify(token)}`)
    return { literal: token }
  })
  const names = parts.flatMap((p) => (p.placeholder ? [p.placeholder] : []))
  if (new Set(names).size !== names.length)
    throw new InvalidSubjectPatternError(pattern, 'repeated placeholder')
  type Params = Record<SubjectParams<P>, string>

  return {
    pattern,
    filter: parts.map((p) => p.literal ?? '*').join('.'),
    build(params) {
      const values = params as Record<string, string>
      return parts.map((p) => p.literal ?? encodeSubjectToken(values[p.placeholder] ?? '')).join('.')
    },
    filterFor(params) {
      const values = params as Partial<Record<string, string>>
      return parts
        .map((p) => {
          if (p.literal !== undefined) return p.literal
          const value = values[p.placeholder]
          return value === undefined ? '*' : encodeSubjectToken(value)
        })
        .join('.')
    },
    parse(subject) {
      const tokens = subject.split('.')
      if (tokens.length !== parts.length) return undefined
      const out: Record<string, string> = {}
      for (const [i, p] of parts.entries()) {
        const token = tokens[i] as string
        if (p.literal !== undefined) {
          if (token !== p.literal) return undefined
          continue
        }
        try {
          out[p.placeholder] = decodeSubjectToken(token)
        } catch {
          return undefined
        }
      }
      return out as Params
    },
  }
}

/** NATS subject matching: `*` matches one token, a trailing `>` one or more. */
export function subjectMatches(filter: string, subject: string): boolean {
  const f = filter.split('.')
  const s = subject.split('.')
  for (let i = 0; i < f.length; i++) {
    const token = f[i]
    if (token === '>') return s.length > i
    if (i >= s.length) return false
    if (token !== '*' && token !== s[i]) return false
  }
  return f.length === s.length
}
