import { type App, Stack, type StackProps, Tags } from 'aws-cdk-lib'
import type { Construct } from 'constructs'
import { type DeployContext, readDeployContext } from './context.ts'
import { SERVICE_NAMES, type ServiceName } from './environments.ts'
import { GlobalStack } from './global-stack.ts'
import { MigrateStack } from './migrate-stack.ts'
import { Monitoring } from './monitoring.ts'
import { ServiceStack } from './service-stack.ts'

export type ChargebusStacks = {
  global: GlobalStack
  migrate: MigrateStack
  services: Record<ServiceName, ServiceStack>
  monitoring: Stack & { monitoring: Monitoring }
}

/**
 * Every stack of one environment: `Chargebus-<env>-global`, `-migrate`, one per service and `-monitoring`.
 * Stack names are stable, so `cdk deploy Chargebus-prod-global` ships infrastructure alone and
 * `cdk deploy 'Chargebus-prod-svc-*' -c imageTag=...` ships code alone.
 *
 * ### Examples
 * ```ts
 * const app = new App({ context: { env: 'dev', imageTag: 'abc123', ... } })
 * const { global } = buildStacks(app)
 * ```
 */
export function buildStacks(app: App): ChargebusStacks {
  const ctx = readDeployContext((key) => app.node.tryGetContext(key))
  const prefix = `Chargebus-${ctx.envName}`
  const props: StackProps = {
    ...(ctx.account && ctx.region ? { env: { account: ctx.account, region: ctx.region } } : {}),
    terminationProtection: ctx.envName === 'prod',
  }
  if (ctx.account && ctx.region) {
    // What `cdk.context.json` would cache after a lookup, given up front: synth never calls AWS.
    const key = `availability-zones:account=${ctx.account}:region=${ctx.region}`
    if (app.node.tryGetContext(key) === undefined) {
      app.node.setContext(
        key,
        ['a', 'b', 'c'].map((zone) => `${ctx.region}${zone}`),
      )
    }
  }
  Tags.of(app).add('project', 'chargebus')
  Tags.of(app).add('environment', ctx.envName)

  const global = new GlobalStack(app, `${prefix}-global`, ctx, props)
  const migrate = new MigrateStack(app, `${prefix}-migrate`, { ...props, ctx, global })
  const services = Object.fromEntries(
    SERVICE_NAMES.map((name) => [
      name,
      new ServiceStack(app, `${prefix}-svc-${name}`, { ...props, ctx, global, name }),
    ]),
  ) as Record<ServiceName, ServiceStack>
  const monitoring = monitoringStack(app, `${prefix}-monitoring`, ctx, props, services)
  return { global, migrate, services, monitoring }
}

function monitoringStack(
  scope: Construct,
  id: string,
  ctx: DeployContext,
  props: StackProps,
  services: Record<ServiceName, ServiceStack>,
): Stack & { monitoring: Monitoring } {
  const stack = new Stack(scope, id, props)
  const monitoring = new Monitoring(stack, 'Monitoring', { envName: ctx.envName, services })
  return Object.assign(stack, { monitoring })
}
