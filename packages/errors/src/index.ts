export { AppError } from './app-error.ts'
export { defineErrorCodes, type ErrorCodeInfo, type ErrorCodeMap, errorCodeDocGaps } from './error-codes.ts'
