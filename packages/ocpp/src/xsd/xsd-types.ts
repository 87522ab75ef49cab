import {
  type Static,
  type TArray,
  type TBoolean,
  type TEnum,
  type TInteger,
  type TNumber,
  type TObject,
  type TProperties,
  type TSchema,
  type TString,
  Type,
} from 'typebox'

/**
 * How a schema node maps to XML Schema. Carried as the `xsd` keyword on each TypeBox schema so one schema gives
 * the TS type, the runtime validator, the XML reader/writer and our WSDL.
 */
export type XsdKind =
  | 'string'
  | 'int'
  | 'decimal'
  | 'boolean'
  | 'dateTime'
  | 'anyURI'
  | 'enum'
  | 'sequence'
  | 'simpleContent'

/** The XSD facts kept on a schema node (JSON Schema ignores these keywords). */
export interface XsdAnnotations {
  readonly xsd: XsdKind
  /** Name of the XSD type in the WSDL (`IdToken`, `IdTagInfo`); absent for built-in and anonymous types. */
  readonly xsdName?: string
  readonly fractionDigits?: number
}

/** Reads the XSD annotations of a schema built with {@link xs}. */
export function xsdOf(schema: TSchema): XsdAnnotations {
  const kind = (schema as Partial<XsdAnnotations>).xsd
  if (kind === undefined)
    throw new Error(`schema has no xsd annotation: ${JSON.stringify(schema).slice(0, 120)}`)
  return schema as unknown as XsdAnnotations
}

/** The name of the property that holds an element's text in a `simpleContent` schema; the others are attributes. */
export const TEXT_PROPERTY = 'value'

const XS_INT_MIN = -2147483648
const XS_INT_MAX = 2147483647

function named(name: string | undefined): { xsdName?: string } {
  return name === undefined ? {} : { xsdName: name }
}

/**
 * Builders for TypeBox schemas that carry their XML Schema meaning. Generated message modules
 * (`messages/v1x/*.ts`) are written with these.
 *
 * ### Examples
 * ```ts
 * const IdToken = xs.string({ name: 'IdToken', maxLength: 20 })
 * const IdTagInfo = xs.sequence('IdTagInfo', { status: xs.enumeration('AuthorizationStatus', ['Accepted', 'Blocked']), parentIdTag: xs.optional(IdToken) })
 * ```
 */
export const xs = {
  string(opts: { name?: string; maxLength?: number } = {}): TString {
    return Type.String({
      xsd: 'string',
      ...named(opts.name),
      ...(opts.maxLength === undefined ? {} : { maxLength: opts.maxLength }),
    })
  },
  int(): TInteger {
    return Type.Integer({ xsd: 'int', minimum: XS_INT_MIN, maximum: XS_INT_MAX })
  },
  decimal(opts: { name?: string; fractionDigits?: number } = {}): TNumber {
    return Type.Number({
      xsd: 'decimal',
      ...named(opts.name),
      ...(opts.fractionDigits === undefined ? {} : { fractionDigits: opts.fractionDigits }),
    })
  },
  boolean(): TBoolean {
    return Type.Boolean({ xsd: 'boolean' })
  },
  /** xs:dateTime as an ISO 8601 string in UTC (`2026-11-26T10:00:00.000Z`). */
  dateTime(): TString {
    return Type.String({ xsd: 'dateTime', format: 'date-time' })
  },
  anyURI(): TString {
    return Type.String({ xsd: 'anyURI' })
  },
  enumeration<const Values extends string[]>(name: string, values: readonly [...Values]): TEnum<Values> {
    return Type.Enum(values, { xsd: 'enum', xsdName: name })
  },
  /** An xs:complexType with an xs:sequence: property order is element order. */
  sequence<P extends TProperties>(name: string | undefined, properties: P): TObject<P> {
    return Type.Object(properties, { xsd: 'sequence', ...named(name), additionalProperties: false })
  },
  /** An element with text content and attributes: the text is `value`, every other property an attribute. */
  simpleContent<T extends TSchema, A extends TProperties>(text: T, attributes: A): TObject<{ value: T } & A> {
    return Type.Object({ [TEXT_PROPERTY]: text, ...attributes } as { value: T } & A, {
      xsd: 'simpleContent',
      additionalProperties: false,
    })
  },
  /** minOccurs="0". */
  optional<T extends TSchema>(schema: T) {
    return Type.Optional(schema)
  },
  /** maxOccurs > 1: a repeated element, read and written as an array. */
  list<T extends TSchema>(item: T, occurs: { min?: number; max?: number } = {}): TArray<T> {
    return Type.Array(item, {
      ...(occurs.min ? { minItems: occurs.min } : {}),
      ...(occurs.max === undefined ? {} : { maxItems: occurs.max }),
    })
  },
}

/** One operation of a service: the schemas of its request and response body elements. */
export interface OperationSchemas {
  readonly request: TObject
  readonly response: TObject
}

/** A SOAP service of one OCPP version, as described by its WSDL. */
export interface ServiceDefinition<
  Ops extends Record<string, OperationSchemas> = Record<string, OperationSchemas>,
> {
  readonly name: 'CentralSystemService' | 'ChargePointService'
  readonly namespace: string
  readonly operations: Ops
  /** Operation by body element name, e.g. `bootNotificationRequest` -> `BootNotification`. */
  readonly byRequestElement: ReadonlyMap<string, string>
  readonly byResponseElement: ReadonlyMap<string, string>
}

/** `BootNotification` -> `bootNotificationRequest`. */
export function requestElementName(operation: string): string {
  return `${operation.charAt(0).toLowerCase()}${operation.slice(1)}Request`
}

/** `BootNotification` -> `bootNotificationResponse`. */
export function responseElementName(operation: string): string {
  return `${operation.charAt(0).toLowerCase()}${operation.slice(1)}Response`
}

/** Builds a {@link ServiceDefinition} with its element lookup tables. */
export function defineService<const Ops extends Record<string, OperationSchemas>>(def: {
  name: ServiceDefinition['name']
  namespace: string
  operations: Ops
}): ServiceDefinition<Ops> {
  const ops = Object.keys(def.operations)
  return {
    ...def,
    byRequestElement: new Map(ops.map((op) => [requestElementName(op), op])),
    byResponseElement: new Map(ops.map((op) => [responseElementName(op), op])),
  }
}

/** The static type of a schema (re-exported so generated modules need one import). */
export type { Static }
