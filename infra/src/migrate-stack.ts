import { CfnOutput, aws_ecs as ecs, Stack, type StackProps } from 'aws-cdk-lib'
import type { Construct } from 'constructs'
import type { DeployContext } from './context.ts'
import type { GlobalStack } from './global-stack.ts'

/**
 * The migration as a one-off task (`aws ecs run-task`, infra/README.md): the same image and tag as the
 * services, straight to RDS with DATABASE_ADMIN_URL. Run before the service stacks of a release that migrates.
 */
export class MigrateStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps & { ctx: DeployContext; global: GlobalStack }) {
    super(scope, id, props)
    const { ctx, global } = props
    const task = new ecs.FargateTaskDefinition(this, 'Task', { cpu: 256, memoryLimitMiB: 512 })
    task.addContainer('migrate', {
      image: ecs.ContainerImage.fromEcrRepository(global.repository, ctx.imageTag),
      command: ['node', 'tools/cli/src/main.ts', 'migrate'],
      environment: { NODE_ENV: 'production' },
      secrets: {
        DATABASE_ADMIN_URL: ecs.Secret.fromSecretsManager(global.secrets.databaseAdminUrl),
        DATABASE_URL: ecs.Secret.fromSecretsManager(global.secrets.databaseUrl),
      },
      logging: ecs.LogDrivers.awsLogs({ logGroup: global.logGroups.migrate, streamPrefix: 'migrate' }),
    })
    new CfnOutput(this, 'TaskDefinition', { value: task.taskDefinitionArn })
    new CfnOutput(this, 'Subnets', { value: global.vpc.privateSubnets.map((s) => s.subnetId).join(',') })
    new CfnOutput(this, 'SecurityGroup', { value: global.migrationSecurityGroup.securityGroupId })
    new CfnOutput(this, 'Cluster', { value: global.cluster.clusterName })
  }
}
