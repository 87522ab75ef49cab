import { AppError, defineErrorCodes } from '@chargebus/errors'

/** Every error code the simulator throws. Each is documented in the README. */
export const SimulatorErrorCode = defineErrorCodes({
  SIM_ERR_LISTEN: {
    meaning: 'the ChargePointService endpoint could not listen on the address given (--listen)',
  },
  SIM_ERR_OPTION: { meaning: 'an option is out of range (e.g. --stations 0, a --url that is not http(s))' },
})

export type SimulatorErrorCode = keyof typeof SimulatorErrorCode

export class SimulatorListenError extends AppError {
  constructor(address: string, cause: unknown) {
    super(
      'SIM_ERR_LISTEN',
      `cannot listen on ${address} for the ChargePointService endpoint: ${(cause as Error).message}`,
      { cause },
    )
  }
}

export class SimulatorOptionError extends AppError {
  constructor(message: string) {
    super('SIM_ERR_OPTION', message, { status: 400 })
  }
}
