/** OCPP 1.5 messages: `cs` = CentralSystemService (station -> us), `cp` = ChargePointService (us -> station). */

export * as cs from './central-system.ts'
export * as cp from './charge-point.ts'
