import { AppError } from '@chargebus/platform'

/** Every error code the simulator throws. Each is documented in the README. */
export const SimulatorErrorCode = {
  /** The ChargePointService endpoint could not listen on the address given (`--listen`). */
  LISTEN: 'SIM_ERR_LISTEN',
  /** An option is out of range (e.g. `--stations 0`, a `--url` that is not http(s)). */
  OPTION: 'SIM_ERR_OPTION',
} as const

export type SimulatorErrorCode = (typeof SimulatorErrorCode)[keyof typeof SimulatorErrorCode]

export class SimulatorListenError extends AppError {
  constructor(address: string, cause: unknown) {
    super(
      SimulatorErrorCode.LISTEN,
      `cannot listen on ${address} for the ChargePointService endpoint: ${(cause as Error).message}`,
      { cause },
    )
  }
}

export class SimulatorOptionError extends AppError {
  constructor(message: string) {
    super(SimulatorErrorCode.OPTION, message, { status: 400 })
  }
}
