import {
  ENVIRONMENT_NAMES,
  ENVIRONMENTS,
  type EnvironmentName,
  type EnvironmentSettings,
} from './environments.ts'

/** What `cdk synth|deploy -c key=value` must or may say; read once, checked once, then passed down. */
export type DeployContext = {
  envName: EnvironmentName
  settings: EnvironmentSettings
  /** The image tag every service runs; a rollback is a deploy with an earlier tag. */
  imageTag: string
  /** ACM certificates: the OCPP NLB's TLS listener and the API's HTTPS listener. */
  ocppCertificateArn: string
  apiCertificateArn: string
  /** The public names stations and clients use (DNS records point at the load balancers). */
  ocppDomain: string
  ftpDomain: string
  /** Both or neither: with them the stacks are bound to one account and region (explicit AZs, no lookups). */
  account: string | undefined
  region: string | undefined
}

/** A context value the app cannot run without, or one that has the wrong shape. */
export class ContextError extends Error {
  override name = 'ContextError'
}

type Read = (key: string) => unknown

const ACM_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/
// Docker tag grammar: what `docker push` accepts.
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/

/**
 * Reads and checks the deploy context; throws a ContextError naming the key and what it expects.
 *
 * ### Examples
 * ```ts
 * const ctx = readDeployContext((key) => app.node.tryGetContext(key))
 * ```
 */
export function readDeployContext(read: Read): DeployContext {
  const envName = read('env')
  if (!ENVIRONMENT_NAMES.includes(envName as EnvironmentName)) {
    throw new ContextError(
      `context env must be one of ${ENVIRONMENT_NAMES.join(', ')} (got ${JSON.stringify(envName)}): cdk synth -c env=prod`,
    )
  }
  const account = optional(read, 'account', /^\d{12}$/, 'a 12-digit AWS account id')
  const region = optional(read, 'region', /^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as eu-west-1')
  if ((account === undefined) !== (region === undefined)) {
    throw new ContextError('context account and region go together: set both or neither')
  }
  return {
    envName: envName as EnvironmentName,
    settings: ENVIRONMENTS[envName as EnvironmentName],
    imageTag: required(read, 'imageTag', IMAGE_TAG, 'a Docker image tag (the commit the pipeline pushed)'),
    ocppCertificateArn: required(read, 'ocppCertificateArn', ACM_ARN, 'an ACM certificate ARN'),
    apiCertificateArn: required(read, 'apiCertificateArn', ACM_ARN, 'an ACM certificate ARN'),
    ocppDomain: required(read, 'ocppDomain', DOMAIN, 'a DNS name such as ocpp.example.com'),
    ftpDomain: required(read, 'ftpDomain', DOMAIN, 'a DNS name such as ftp.example.com'),
    account,
    region,
  }
}

function required(read: Read, key: string, pattern: RegExp, expected: string): string {
  const value = optional(read, key, pattern, expected)
  if (value === undefined) throw new ContextError(`context ${key} is required: ${expected} (-c ${key}=...)`)
  return value
}

function optional(read: Read, key: string, pattern: RegExp, expected: string): string | undefined {
  const value = read(key)
  if (value === undefined || value === '') return undefined
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new ContextError(`context ${key} must be ${expected} (got ${JSON.stringify(value)})`)
  }
  return value
}
