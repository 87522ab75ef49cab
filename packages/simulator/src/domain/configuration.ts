/** One configuration key of a simulated station (OCPP values are strings on the wire). */
export interface ConfigEntry {
  readonly key: string
  readonly value: string
  readonly readonly: boolean
}

export type Configuration = Readonly<Record<string, ConfigEntry>>

type Kind = 'int' | 'bool' | 'measurands' | 'text'

/** What the simulator advertises: the 1.6 Core keys it honours plus a few it reports without using. */
const KINDS: Readonly<Record<string, Kind>> = {
  AuthorizeRemoteTxRequests: 'bool',
  ClockAlignedDataInterval: 'int',
  ConnectionTimeOut: 'int',
  GetConfigurationMaxKeys: 'int',
  HeartbeatInterval: 'int',
  LocalAuthorizeOffline: 'bool',
  LocalPreAuthorize: 'bool',
  MeterValuesAlignedData: 'measurands',
  MeterValuesSampledData: 'measurands',
  MeterValueSampleInterval: 'int',
  NumberOfConnectors: 'int',
  ResetRetries: 'int',
  StopTransactionOnEVSideDisconnect: 'bool',
  StopTransactionOnInvalidId: 'bool',
  StopTxnSampledData: 'measurands',
  SupportedFeatureProfiles: 'text',
  TransactionMessageAttempts: 'int',
  TransactionMessageRetryInterval: 'int',
  UnlockConnectorOnEVSideDisconnect: 'bool',
}

/** Measurands the simulated meter can sample. */
export const SAMPLEABLE = [
  'Energy.Active.Import.Register',
  'Power.Active.Import',
  'Current.Import',
  'Voltage',
  'SoC',
] as const
export type Sampleable = (typeof SAMPLEABLE)[number]

/**
 * The configuration a station boots with. `HeartbeatInterval` is replaced by the interval the central system gives
 * in its BootNotification answer.
 */
export function initialConfiguration(opts: { meterValueSampleIntervalS: number }): Configuration {
  const entries: ConfigEntry[] = [
    { key: 'AuthorizeRemoteTxRequests', value: 'false', readonly: false },
    { key: 'ClockAlignedDataInterval', value: '0', readonly: false },
    { key: 'ConnectionTimeOut', value: '60', readonly: false },
    { key: 'GetConfigurationMaxKeys', value: '50', readonly: true },
    { key: 'HeartbeatInterval', value: '300', readonly: false },
    { key: 'LocalAuthorizeOffline', value: 'false', readonly: false },
    { key: 'LocalPreAuthorize', value: 'false', readonly: false },
    { key: 'MeterValuesAlignedData', value: '', readonly: false },
    { key: 'MeterValuesSampledData', value: SAMPLEABLE.join(','), readonly: false },
    { key: 'MeterValueSampleInterval', value: String(opts.meterValueSampleIntervalS), readonly: false },
    { key: 'NumberOfConnectors', value: '1', readonly: true },
    { key: 'ResetRetries', value: '3', readonly: false },
    { key: 'StopTransactionOnEVSideDisconnect', value: 'true', readonly: true },
    { key: 'StopTransactionOnInvalidId', value: 'true', readonly: false },
    { key: 'StopTxnSampledData', value: 'Energy.Active.Import.Register', readonly: false },
    { key: 'SupportedFeatureProfiles', value: 'Core,RemoteTrigger', readonly: true },
    { key: 'TransactionMessageAttempts', value: '3', readonly: false },
    { key: 'TransactionMessageRetryInterval', value: '60', readonly: false },
    { key: 'UnlockConnectorOnEVSideDisconnect', value: 'true', readonly: true },
  ]
  return Object.fromEntries(entries.map((e) => [e.key, e]))
}

/** The GetConfiguration answer: every key when none is asked for, else the known ones and the unknown ones. */
export function readConfiguration(
  config: Configuration,
  keys: readonly string[] | undefined,
): { configurationKey: ConfigEntry[]; unknownKey: string[] } {
  if (keys === undefined || keys.length === 0)
    return { configurationKey: Object.values(config), unknownKey: [] }
  const configurationKey: ConfigEntry[] = []
  const unknownKey: string[] = []
  for (const key of keys) {
    const entry = config[key]
    if (entry) configurationKey.push(entry)
    else unknownKey.push(key)
  }
  return { configurationKey, unknownKey }
}

/** The ChangeConfiguration decision and the configuration after it (unchanged unless Accepted). */
export function changeConfiguration(
  config: Configuration,
  key: string,
  value: string,
): { status: 'Accepted' | 'Rejected' | 'NotSupported'; config: Configuration } {
  const entry = config[key]
  const kind = KINDS[key]
  if (!entry || kind === undefined) return { status: 'NotSupported', config }
  if (entry.readonly || !isValid(kind, value)) return { status: 'Rejected', config }
  return { status: 'Accepted', config: { ...config, [key]: { ...entry, value: value.trim() } } }
}

function isValid(kind: Kind, value: string): boolean {
  const v = value.trim()
  switch (kind) {
    case 'int':
      return /^\d{1,9}$/.test(v)
    case 'bool':
      return v === 'true' || v === 'false'
    case 'measurands':
      return v === '' || v.split(',').every((m) => (SAMPLEABLE as readonly string[]).includes(m.trim()))
    default:
      return false
  }
}

/** An integer key's value (0 when absent or not a number). */
export function intSetting(config: Configuration, key: string): number {
  const n = Number.parseInt(config[key]?.value ?? '', 10)
  return Number.isFinite(n) ? n : 0
}

/** A boolean key's value. */
export function boolSetting(config: Configuration, key: string): boolean {
  return config[key]?.value === 'true'
}

/** The measurands listed in a comma-separated key, in the order the simulator samples them. */
export function measurandsSetting(config: Configuration, key: string): Sampleable[] {
  const listed = new Set((config[key]?.value ?? '').split(',').map((m) => m.trim()))
  return SAMPLEABLE.filter((m) => listed.has(m))
}
