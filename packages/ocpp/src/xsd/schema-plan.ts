import type { TObject, TSchema } from 'typebox'
import { TEXT_PROPERTY, type XsdKind, xsdOf } from './xsd-types.ts'

/** A simple-typed value (element text or attribute). */
export interface LeafPlan {
  readonly kind: 'leaf'
  readonly xsd: XsdKind
  readonly maxLength: number | undefined
  readonly fractionDigits: number | undefined
  readonly enumValues: ReadonlySet<string> | undefined
  /** Whitespace around this value makes it schema-invalid, so trimming it is a quirk worth reporting. */
  readonly trimIsQuirk: boolean
}

/** One child element (or attribute) of a complex type. */
export interface FieldPlan {
  readonly key: string
  readonly index: number
  readonly required: boolean
  readonly repeated: boolean
  readonly minItems: number
  readonly maxItems: number
  readonly node: NodePlan
}

export interface SequencePlan {
  readonly kind: 'sequence'
  readonly fields: readonly FieldPlan[]
  readonly byName: ReadonlyMap<string, FieldPlan>
}

export interface SimpleContentPlan {
  readonly kind: 'simpleContent'
  readonly text: LeafPlan
  readonly attributes: readonly FieldPlan[]
  readonly byName: ReadonlyMap<string, FieldPlan>
}

export type NodePlan = LeafPlan | SequencePlan | SimpleContentPlan

const plans = new WeakMap<TSchema, NodePlan>()

function leafPlan(schema: TSchema): LeafPlan {
  const x = xsdOf(schema)
  const s = schema as { maxLength?: number; enum?: string[] }
  return {
    kind: 'leaf',
    xsd: x.xsd,
    maxLength: s.maxLength,
    fractionDigits: x.fractionDigits,
    enumValues: s.enum ? new Set(s.enum) : undefined,
    trimIsQuirk: x.xsd === 'enum' || (x.xsd === 'string' && s.maxLength !== undefined),
  }
}

function fieldsOf(schema: TObject, skip?: string): FieldPlan[] {
  const required = new Set(schema.required ?? [])
  const fields: FieldPlan[] = []
  for (const [key, prop] of Object.entries(schema.properties)) {
    if (key === skip) continue
    const p = prop as TSchema & { type?: string; items?: TSchema; minItems?: number; maxItems?: number }
    const repeated = p.type === 'array'
    fields.push({
      key,
      index: fields.length,
      required: required.has(key),
      repeated,
      minItems: repeated ? (p.minItems ?? 0) : 0,
      maxItems: repeated ? (p.maxItems ?? Number.POSITIVE_INFINITY) : 1,
      node: planOf(repeated ? (p.items as TSchema) : p),
    })
  }
  return fields
}

/**
 * The reading/writing plan of a schema built with `xs`: field order, occurrence and leaf facets, computed once
 * per schema object and cached, so the hot path does map lookups only.
 */
export function planOf(schema: TSchema): NodePlan {
  const cached = plans.get(schema)
  if (cached) return cached
  const { xsd } = xsdOf(schema)
  let plan: NodePlan
  if (xsd === 'sequence') {
    const fields = fieldsOf(schema as TObject)
    plan = { kind: 'sequence', fields, byName: new Map(fields.map((f) => [f.key, f])) }
  } else if (xsd === 'simpleContent') {
    const obj = schema as TObject
    const attributes = fieldsOf(obj, TEXT_PROPERTY)
    plan = {
      kind: 'simpleContent',
      text: leafPlan(obj.properties[TEXT_PROPERTY] as TSchema),
      attributes,
      byName: new Map(attributes.map((f) => [f.key, f])),
    }
  } else {
    plan = leafPlan(schema)
  }
  plans.set(schema, plan)
  return plan
}
