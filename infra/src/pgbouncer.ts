import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  Duration,
  aws_ec2 as ec2,
  aws_ecs as ecs,
  type aws_logs as logs,
  type aws_servicediscovery as sd,
  type aws_secretsmanager as secretsmanager,
} from 'aws-cdk-lib'
import { Construct } from 'constructs'

export const PGBOUNCER_PORT = 6432
const PGBOUNCER_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../docker/pgbouncer')

export type PgbouncerProps = {
  vpc: ec2.IVpc
  cluster: ecs.ICluster
  namespace: sd.IPrivateDnsNamespace
  databaseHost: string
  /** The RDS credentials ({ username, password }); pgbouncer logs in to RDS with them. */
  credentials: secretsmanager.ISecret
  logGroup: logs.ILogGroup
  size: { cpu: number; memoryMiB: number; count: number }
}

/**
 * pgbouncer in transaction mode (docker/pgbouncer, built by CDK as an asset) in front of RDS, at
 * pgbouncer.<namespace>:6432. The image's ini targets compose's `postgres`, so the start script rewrites the
 * host and writes the user list from the ECS secrets.
 */
export class Pgbouncer extends Construct {
  readonly securityGroup: ec2.SecurityGroup
  readonly host: string

  constructor(scope: Construct, id: string, props: PgbouncerProps) {
    super(scope, id)
    this.securityGroup = new ec2.SecurityGroup(this, 'Sg', { vpc: props.vpc, description: 'pgbouncer tasks' })
    this.host = `pgbouncer.${props.namespace.namespaceName}`

    const task = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: props.size.cpu,
      memoryLimitMiB: props.size.memoryMiB,
    })
    task.addContainer('pgbouncer', {
      image: ecs.ContainerImage.fromAsset(PGBOUNCER_DIR),
      entryPoint: ['sh', '-c'],
      command: [
        [
          `sed "s/^\\* = host=postgres port=5432$/* = host=$DB_HOST port=5432/" /etc/pgbouncer/pgbouncer.ini > /tmp/pgbouncer.ini`,
          `sed -i "s#^auth_file = .*#auth_file = /tmp/userlist.txt#" /tmp/pgbouncer.ini`,
          `printf '"%s" "%s"\\n' "$DB_USER" "$DB_PASSWORD" > /tmp/userlist.txt`,
          'exec pgbouncer /tmp/pgbouncer.ini',
        ].join(' && '),
      ],
      environment: { DB_HOST: props.databaseHost },
      secrets: {
        DB_USER: ecs.Secret.fromSecretsManager(props.credentials, 'username'),
        DB_PASSWORD: ecs.Secret.fromSecretsManager(props.credentials, 'password'),
      },
      portMappings: [{ containerPort: PGBOUNCER_PORT }],
      healthCheck: {
        command: ['CMD-SHELL', `pg_isready -h 127.0.0.1 -p ${PGBOUNCER_PORT} || exit 1`],
        interval: Duration.seconds(10),
        timeout: Duration.seconds(5),
        retries: 3,
      },
      logging: ecs.LogDrivers.awsLogs({ logGroup: props.logGroup, streamPrefix: 'pgbouncer' }),
    })
    new ecs.FargateService(this, 'Service', {
      cluster: props.cluster,
      taskDefinition: task,
      desiredCount: props.size.count,
      minHealthyPercent: 100,
      assignPublicIp: false,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.securityGroup],
      cloudMapOptions: {
        cloudMapNamespace: props.namespace,
        name: 'pgbouncer',
        dnsTtl: Duration.seconds(10),
      },
      circuitBreaker: { rollback: true },
    })
  }
}
