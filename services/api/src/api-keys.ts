/**
 * API key administration for other packages (`pnpm chargebus api-key`): the same functions the
 * `/v1/api-keys` routes use.
 */
export { type ApiKeyView, issueApiKey, listApiKeys, revokeApiKey } from './data-access/api-keys.ts'
export { SCOPES, type Scope } from './domain/api-keys.ts'
