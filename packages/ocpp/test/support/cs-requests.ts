import type { OcppVersion } from '../../src/namespaces.ts'

/** A realistic station request body and the payload it must decode to. */
export interface CsRequestCase {
  readonly version: OcppVersion
  readonly operation: string
  readonly body: string
  readonly payload: Record<string, unknown>
}

const V15 = 'urn://Ocpp/Cs/2012/06/'

/** OCPP 1.6 requests as stations send them (prefix `cs:`), one per CentralSystemService operation. */
export const v16Requests: readonly CsRequestCase[] = [
  {
    version: '1.6',
    operation: 'Authorize',
    body: '<cs:authorizeRequest><cs:idTag>04A1B2C3D4E5F6</cs:idTag></cs:authorizeRequest>',
    payload: { idTag: '04A1B2C3D4E5F6' },
  },
  {
    version: '1.6',
    operation: 'BootNotification',
    body:
      '<cs:bootNotificationRequest><cs:chargePointVendor>Alfen BV</cs:chargePointVendor><cs:chargePointModel>NG920-61001</cs:chargePointModel>' +
      '<cs:chargePointSerialNumber>ACE0012345</cs:chargePointSerialNumber><cs:chargeBoxSerialNumber>CB-0012345</cs:chargeBoxSerialNumber>' +
      '<cs:firmwareVersion>5.8.1-4123</cs:firmwareVersion><cs:iccid>8931440400012345678</cs:iccid><cs:imsi>204043123456789</cs:imsi>' +
      '<cs:meterType>Eastron SDM630</cs:meterType><cs:meterSerialNumber>E0012345</cs:meterSerialNumber></cs:bootNotificationRequest>',
    payload: {
      chargePointVendor: 'Alfen BV',
      chargePointModel: 'NG920-61001',
      chargePointSerialNumber: 'ACE0012345',
      chargeBoxSerialNumber: 'CB-0012345',
      firmwareVersion: '5.8.1-4123',
      iccid: '8931440400012345678',
      imsi: '204043123456789',
      meterType: 'Eastron SDM630',
      meterSerialNumber: 'E0012345',
    },
  },
  {
    version: '1.6',
    operation: 'DataTransfer',
    body:
      '<cs:dataTransferRequest><cs:vendorId>com.alfen</cs:vendorId><cs:messageId>GetTariff</cs:messageId>' +
      '<cs:data>{"connector":1,"note":"a &amp; b"}</cs:data></cs:dataTransferRequest>',
    payload: { vendorId: 'com.alfen', messageId: 'GetTariff', data: '{"connector":1,"note":"a & b"}' },
  },
  {
    version: '1.6',
    operation: 'DiagnosticsStatusNotification',
    body: '<cs:diagnosticsStatusNotificationRequest><cs:status>Uploaded</cs:status></cs:diagnosticsStatusNotificationRequest>',
    payload: { status: 'Uploaded' },
  },
  {
    version: '1.6',
    operation: 'FirmwareStatusNotification',
    body: '<cs:firmwareStatusNotificationRequest><cs:status>Installing</cs:status></cs:firmwareStatusNotificationRequest>',
    payload: { status: 'Installing' },
  },
  { version: '1.6', operation: 'Heartbeat', body: '<cs:heartbeatRequest/>', payload: {} },
  {
    version: '1.6',
    operation: 'MeterValues',
    body:
      '<cs:meterValuesRequest><cs:connectorId>1</cs:connectorId><cs:transactionId>1042</cs:transactionId>' +
      '<cs:meterValue><cs:timestamp>2026-11-26T10:00:00Z</cs:timestamp>' +
      '<cs:sampledValue><cs:value>152340</cs:value><cs:context>Sample.Periodic</cs:context><cs:format>Raw</cs:format>' +
      '<cs:measurand>Energy.Active.Import.Register</cs:measurand><cs:location>Outlet</cs:location><cs:unit>Wh</cs:unit></cs:sampledValue>' +
      '<cs:sampledValue><cs:value>15.9</cs:value><cs:measurand>Current.Import</cs:measurand><cs:phase>L1</cs:phase><cs:unit>A</cs:unit></cs:sampledValue>' +
      '</cs:meterValue><cs:meterValue><cs:timestamp>2026-11-26T10:15:00.250+01:00</cs:timestamp>' +
      '<cs:sampledValue><cs:value>154210</cs:value></cs:sampledValue></cs:meterValue></cs:meterValuesRequest>',
    payload: {
      connectorId: 1,
      transactionId: 1042,
      meterValue: [
        {
          timestamp: '2026-11-26T10:00:00.000Z',
          sampledValue: [
            {
              value: '152340',
              context: 'Sample.Periodic',
              format: 'Raw',
              measurand: 'Energy.Active.Import.Register',
              location: 'Outlet',
              unit: 'Wh',
            },
            { value: '15.9', measurand: 'Current.Import', phase: 'L1', unit: 'A' },
          ],
        },
        { timestamp: '2026-11-26T09:15:00.250Z', sampledValue: [{ value: '154210' }] },
      ],
    },
  },
  {
    version: '1.6',
    operation: 'StartTransaction',
    body:
      '<cs:startTransactionRequest><cs:connectorId>1</cs:connectorId><cs:idTag>04A1B2C3D4E5F6</cs:idTag>' +
      '<cs:timestamp>2026-11-26T10:00:00+01:00</cs:timestamp><cs:meterStart>152000</cs:meterStart>' +
      '<cs:reservationId>7</cs:reservationId></cs:startTransactionRequest>',
    payload: {
      connectorId: 1,
      idTag: '04A1B2C3D4E5F6',
      timestamp: '2026-11-26T09:00:00.000Z',
      meterStart: 152000,
      reservationId: 7,
    },
  },
  {
    version: '1.6',
    operation: 'StatusNotification',
    body:
      '<cs:statusNotificationRequest><cs:connectorId>2</cs:connectorId><cs:status>Faulted</cs:status>' +
      '<cs:errorCode>GroundFailure</cs:errorCode><cs:info>RCD tripped</cs:info><cs:timestamp>2026-11-26T10:00:00.123Z</cs:timestamp>' +
      '<cs:vendorId>com.alfen</cs:vendorId><cs:vendorErrorCode>E-301</cs:vendorErrorCode></cs:statusNotificationRequest>',
    payload: {
      connectorId: 2,
      status: 'Faulted',
      errorCode: 'GroundFailure',
      info: 'RCD tripped',
      timestamp: '2026-11-26T10:00:00.123Z',
      vendorId: 'com.alfen',
      vendorErrorCode: 'E-301',
    },
  },
  {
    version: '1.6',
    operation: 'StopTransaction',
    body:
      '<cs:stopTransactionRequest><cs:transactionId>1042</cs:transactionId><cs:idTag>04A1B2C3D4E5F6</cs:idTag>' +
      '<cs:timestamp>2026-11-26T11:00:00Z</cs:timestamp><cs:meterStop>163500</cs:meterStop><cs:reason>EVDisconnected</cs:reason>' +
      '<cs:transactionData><cs:timestamp>2026-11-26T10:00:00Z</cs:timestamp><cs:sampledValue><cs:value>152000</cs:value>' +
      '<cs:context>Transaction.Begin</cs:context></cs:sampledValue></cs:transactionData>' +
      '<cs:transactionData><cs:timestamp>2026-11-26T11:00:00Z</cs:timestamp><cs:sampledValue><cs:value>163500</cs:value>' +
      '<cs:context>Transaction.End</cs:context></cs:sampledValue></cs:transactionData></cs:stopTransactionRequest>',
    payload: {
      transactionId: 1042,
      idTag: '04A1B2C3D4E5F6',
      timestamp: '2026-11-26T11:00:00.000Z',
      meterStop: 163500,
      reason: 'EVDisconnected',
      transactionData: [
        {
          timestamp: '2026-11-26T10:00:00.000Z',
          sampledValue: [{ value: '152000', context: 'Transaction.Begin' }],
        },
        {
          timestamp: '2026-11-26T11:00:00.000Z',
          sampledValue: [{ value: '163500', context: 'Transaction.End' }],
        },
      ],
    },
  },
]

/** OCPP 1.5 requests (body in a default namespace, as .NET/gSOAP stations write them) and their 1.6 forms. */
export const v15Requests: readonly (CsRequestCase & { readonly asV16: Record<string, unknown> })[] = [
  {
    version: '1.5',
    operation: 'Authorize',
    body: `<authorizeRequest xmlns="${V15}"><idTag>04A1B2C3</idTag></authorizeRequest>`,
    payload: { idTag: '04A1B2C3' },
    asV16: { idTag: '04A1B2C3' },
  },
  {
    version: '1.5',
    operation: 'BootNotification',
    body:
      `<bootNotificationRequest xmlns="${V15}"><chargePointVendor>ABB</chargePointVendor><chargePointModel>Terra 53</chargePointModel>` +
      '<chargeBoxSerialNumber>T53-0001</chargeBoxSerialNumber><firmwareVersion>1.6.4</firmwareVersion></bootNotificationRequest>',
    payload: {
      chargePointVendor: 'ABB',
      chargePointModel: 'Terra 53',
      chargeBoxSerialNumber: 'T53-0001',
      firmwareVersion: '1.6.4',
    },
    asV16: {
      chargePointVendor: 'ABB',
      chargePointModel: 'Terra 53',
      chargeBoxSerialNumber: 'T53-0001',
      firmwareVersion: '1.6.4',
    },
  },
  {
    version: '1.5',
    operation: 'DataTransfer',
    body: `<dataTransferRequest xmlns="${V15}"><vendorId>com.abb</vendorId><data>ping</data></dataTransferRequest>`,
    payload: { vendorId: 'com.abb', data: 'ping' },
    asV16: { vendorId: 'com.abb', data: 'ping' },
  },
  {
    version: '1.5',
    operation: 'DiagnosticsStatusNotification',
    body: `<diagnosticsStatusNotificationRequest xmlns="${V15}"><status>UploadFailed</status></diagnosticsStatusNotificationRequest>`,
    payload: { status: 'UploadFailed' },
    asV16: { status: 'UploadFailed' },
  },
  {
    version: '1.5',
    operation: 'FirmwareStatusNotification',
    body: `<firmwareStatusNotificationRequest xmlns="${V15}"><status>Installed</status></firmwareStatusNotificationRequest>`,
    payload: { status: 'Installed' },
    asV16: { status: 'Installed' },
  },
  {
    version: '1.5',
    operation: 'Heartbeat',
    body: `<heartbeatRequest xmlns="${V15}"></heartbeatRequest>`,
    payload: {},
    asV16: {},
  },
  {
    version: '1.5',
    operation: 'MeterValues',
    body:
      `<meterValuesRequest xmlns="${V15}"><connectorId>1</connectorId><transactionId>77</transactionId>` +
      '<values><timestamp>2026-11-26T10:00:00Z</timestamp>' +
      '<value context="Sample.Periodic" measurand="Energy.Active.Import.Register" unit="Wh">1250</value>' +
      '<value measurand="Current.Import" unit="Amp" location="Outlet" format="Raw">16</value>' +
      '<value measurand="Voltage" unit="Volt">230</value></values></meterValuesRequest>',
    payload: {
      connectorId: 1,
      transactionId: 77,
      values: [
        {
          timestamp: '2026-11-26T10:00:00.000Z',
          value: [
            {
              value: '1250',
              context: 'Sample.Periodic',
              measurand: 'Energy.Active.Import.Register',
              unit: 'Wh',
            },
            { value: '16', measurand: 'Current.Import', unit: 'Amp', location: 'Outlet', format: 'Raw' },
            { value: '230', measurand: 'Voltage', unit: 'Volt' },
          ],
        },
      ],
    },
    asV16: {
      connectorId: 1,
      transactionId: 77,
      meterValue: [
        {
          timestamp: '2026-11-26T10:00:00.000Z',
          sampledValue: [
            {
              value: '1250',
              context: 'Sample.Periodic',
              measurand: 'Energy.Active.Import.Register',
              unit: 'Wh',
            },
            { value: '16', measurand: 'Current.Import', unit: 'A', location: 'Outlet', format: 'Raw' },
            { value: '230', measurand: 'Voltage', unit: 'V' },
          ],
        },
      ],
    },
  },
  {
    version: '1.5',
    operation: 'StartTransaction',
    body:
      `<startTransactionRequest xmlns="${V15}"><connectorId>2</connectorId><idTag>04A1B2C3</idTag>` +
      '<timestamp>2026-11-26T10:00:00.000Z</timestamp><meterStart>0</meterStart></startTransactionRequest>',
    payload: { connectorId: 2, idTag: '04A1B2C3', timestamp: '2026-11-26T10:00:00.000Z', meterStart: 0 },
    asV16: { connectorId: 2, idTag: '04A1B2C3', timestamp: '2026-11-26T10:00:00.000Z', meterStart: 0 },
  },
  {
    version: '1.5',
    operation: 'StatusNotification',
    body:
      `<statusNotificationRequest xmlns="${V15}"><connectorId>2</connectorId><status>Occupied</status>` +
      '<errorCode>Mode3Error</errorCode><info>CP state E</info><timestamp>2026-11-26T10:00:00Z</timestamp></statusNotificationRequest>',
    payload: {
      connectorId: 2,
      status: 'Occupied',
      errorCode: 'Mode3Error',
      info: 'CP state E',
      timestamp: '2026-11-26T10:00:00.000Z',
    },
    asV16: {
      connectorId: 2,
      status: 'Charging',
      errorCode: 'EVCommunicationError',
      info: 'CP state E',
      timestamp: '2026-11-26T10:00:00.000Z',
    },
  },
  {
    version: '1.5',
    operation: 'StopTransaction',
    body:
      `<stopTransactionRequest xmlns="${V15}"><transactionId>77</transactionId><idTag>04A1B2C3</idTag>` +
      '<timestamp>2026-11-26T11:00:00Z</timestamp><meterStop>9870</meterStop>' +
      '<transactionData><values><timestamp>2026-11-26T10:00:00Z</timestamp><value context="Transaction.Begin">0</value></values>' +
      '<values><timestamp>2026-11-26T11:00:00Z</timestamp><value context="Transaction.End" unit="Wh">9870</value></values></transactionData>' +
      '</stopTransactionRequest>',
    payload: {
      transactionId: 77,
      idTag: '04A1B2C3',
      timestamp: '2026-11-26T11:00:00.000Z',
      meterStop: 9870,
      transactionData: [
        {
          values: [
            { timestamp: '2026-11-26T10:00:00.000Z', value: [{ value: '0', context: 'Transaction.Begin' }] },
            {
              timestamp: '2026-11-26T11:00:00.000Z',
              value: [{ value: '9870', context: 'Transaction.End', unit: 'Wh' }],
            },
          ],
        },
      ],
    },
    asV16: {
      transactionId: 77,
      idTag: '04A1B2C3',
      timestamp: '2026-11-26T11:00:00.000Z',
      meterStop: 9870,
      transactionData: [
        {
          timestamp: '2026-11-26T10:00:00.000Z',
          sampledValue: [{ value: '0', context: 'Transaction.Begin' }],
        },
        {
          timestamp: '2026-11-26T11:00:00.000Z',
          sampledValue: [{ value: '9870', context: 'Transaction.End', unit: 'Wh' }],
        },
      ],
    },
  },
]
