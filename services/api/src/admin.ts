/**
 * The API's admin export, the one entry point tools may use (`pnpm chargebus api-key`): the same functions the
 * `/v1/api-keys` routes use.
 */
export { type ApiKeyView, issueApiKey, listApiKeys, revokeApiKey } from './data-access/api-keys.ts'
export { SCOPES, type Scope } from './domain/api-keys.ts'
