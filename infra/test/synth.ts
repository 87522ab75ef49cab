import { App } from 'aws-cdk-lib'
import { Template } from 'aws-cdk-lib/assertions'
import { buildStacks, type ChargebusStacks } from '../src/app.ts'
import type { EnvironmentName } from '../src/environments.ts'

export const OCPP_CERT = 'arn:aws:acm:eu-west-1:111111111111:certificate/00000000-0000-0000-0000-0000000000aa'
export const API_CERT = 'arn:aws:acm:eu-west-1:111111111111:certificate/00000000-0000-0000-0000-0000000000bb'

/** The context a deploy passes, for one environment; `extra` overrides or removes (undefined) keys. */
export function deployContext(env: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    env,
    imageTag: 'release-7f3a2c1',
    ocppCertificateArn: OCPP_CERT,
    apiCertificateArn: API_CERT,
    ocppDomain: 'ocpp.example.net',
    ftpDomain: 'ftp.example.net',
    ...extra,
  }
}

/** CloudFormation JSON as the templates hold it: shapes vary per resource type and the tests read them loosely. */
// biome-ignore lint/suspicious/noExplicitAny: template JSON
export type Cfn = any

export type Synthesized = { stacks: ChargebusStacks; all: { name: string; template: Template }[] }

/** Every stack of one environment, synthesized offline (no credentials, no lookups). */
export function synthesize(env: EnvironmentName, extra: Record<string, unknown> = {}): Synthesized {
  const stacks = buildStacks(new App({ context: deployContext(env, extra) }))
  const list = [stacks.global, stacks.migrate, ...Object.values(stacks.services), stacks.monitoring]
  return { stacks, all: list.map((s) => ({ name: s.stackName, template: Template.fromStack(s) })) }
}

/** Resources of one type across every stack, with the stack they are in. */
export function resourcesOf(s: Synthesized, type: string): { stack: string; id: string; props: Cfn }[] {
  return s.all.flatMap(({ name, template }) =>
    Object.entries(template.findResources(type)).map(([id, r]) => ({
      stack: name,
      id,
      props: r.Properties ?? {},
    })),
  )
}
