import { ApiError } from '../../domain/errors.ts'

/**
 * Runs a write to the gateway's KV inside the Postgres transaction: when NATS does not take it, the
 * request fails with 503 and the transaction rolls back, so Postgres and the gateway cache do not
 * disagree about a change the caller was told succeeded.
 */
export async function kvWrite<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (err) {
    throw new ApiError(
      'API_ERR_UNAVAILABLE',
      'the gateway cache (NATS KV) did not take the change; nothing was changed',
      {
        cause: err,
        retryable: true,
      },
    )
  }
}
