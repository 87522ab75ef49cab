import {
  Duration,
  aws_ec2 as ec2,
  aws_ecr as ecr,
  aws_ecs as ecs,
  aws_logs as logs,
  RemovalPolicy,
  aws_rds as rds,
  SecretValue,
  Stack,
  type StackProps,
  aws_s3 as s3,
  aws_servicediscovery as sd,
  aws_secretsmanager as secretsmanager,
} from 'aws-cdk-lib'
import type { Construct } from 'constructs'
import type { DeployContext } from './context.ts'
import { SERVICE_NAMES, type ServiceName } from './environments.ts'
import { NatsCluster } from './nats-cluster.ts'
import { PGBOUNCER_PORT, Pgbouncer } from './pgbouncer.ts'

const DATABASE_NAME = 'chargebus'
const DATABASE_USER = 'chargebus'

/**
 * What every service stack shares and what outlives a service deploy: network, image repository, NATS,
 * Postgres behind pgbouncer, buckets, secrets and log groups. Deployed on its own (`cdk deploy
 * Chargebus-<env>-global`), so an infrastructure change never rides along with a code change.
 */
export class GlobalStack extends Stack {
  readonly vpc: ec2.Vpc
  readonly cluster: ecs.Cluster
  readonly repository: ecr.Repository
  readonly natsUrl: string
  /** NATS nodes and pgbouncer: a service stack opens their port to its own tasks only (allowBusAndDatabase). */
  readonly natsSecurityGroup: ec2.ISecurityGroup
  readonly pgbouncerSecurityGroup: ec2.ISecurityGroup
  readonly migrationSecurityGroup: ec2.ISecurityGroup
  readonly database: rds.DatabaseInstance
  readonly archiveBucket: s3.Bucket
  readonly uploadsBucket: s3.Bucket
  readonly secrets: {
    /** DATABASE_URL through pgbouncer, composed at deploy time from the RDS credentials. */
    databaseUrl: secretsmanager.ISecret
    /** DATABASE_ADMIN_URL, direct to RDS: the migration task only. */
    databaseAdminUrl: secretsmanager.ISecret
    natsPassword: secretsmanager.ISecret
    /** The FTP edge's FTPS certificate and key ({ cert, key } in PEM), put there by an operator. */
    ftpTls: secretsmanager.ISecret
  }
  readonly logGroups: Record<ServiceName | 'migrate', logs.LogGroup>
  readonly metricsLogGroup: logs.LogGroup

  constructor(scope: Construct, id: string, ctx: DeployContext, props?: StackProps) {
    super(scope, id, props)
    const { settings } = ctx
    const removal = settings.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr('10.40.0.0/16'),
      // Three AZs when the stack knows its region (the app sets them, no lookup); env-agnostic stacks get two.
      maxAzs: 3,
      natGateways: settings.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
        { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
    })
    // ECR, S3 and logs without NAT charges, and reachable if the NAT is down.
    this.vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 })

    // One repository: docker/Dockerfile builds one image for every service, so one tag names a whole release
    // and a rollback is one tag. Immutable tags: a tag always means the same bytes.
    this.repository = new ecr.Repository(this, 'Images', {
      repositoryName: `chargebus-${ctx.envName}`,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      imageScanOnPush: true,
      encryption: ecr.RepositoryEncryption.AES_256,
      lifecycleRules: [{ description: 'keep the last 200 releases to roll back to', maxImageCount: 200 }],
      removalPolicy: removal,
    })

    const namespace = new sd.PrivateDnsNamespace(this, 'Namespace', {
      name: `${ctx.envName}.chargebus.internal`,
      vpc: this.vpc,
    })
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: this.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    })

    const logGroup = (name: string) =>
      new logs.LogGroup(this, `Logs-${name}`, {
        logGroupName: `/chargebus/${ctx.envName}/${name}`,
        retention: settings.logRetentionDays as logs.RetentionDays,
        removalPolicy: RemovalPolicy.DESTROY,
      })
    this.logGroups = Object.fromEntries(
      [...SERVICE_NAMES, 'migrate'].map((name) => [name, logGroup(name)]),
    ) as Record<ServiceName | 'migrate', logs.LogGroup>
    this.metricsLogGroup = logGroup('metrics')

    // Database: RDS in the isolated subnets, reachable from pgbouncer and the migration task only.
    const credentials = rds.Credentials.fromGeneratedSecret(DATABASE_USER, {
      secretName: `chargebus/${ctx.envName}/database-credentials`,
      // The password goes into URLs: no characters that need escaping there.
      excludeCharacters: ' %+~`#$&*()|[]{}:;<>?!\'/@"\\=,.^',
    })
    const databaseSg = new ec2.SecurityGroup(this, 'DatabaseSg', {
      vpc: this.vpc,
      description: 'RDS Postgres',
    })
    this.database = new rds.DatabaseInstance(this, 'Database', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_15 }),
      instanceType: new ec2.InstanceType(settings.database.instanceClass),
      vpc: this.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [databaseSg],
      publiclyAccessible: false,
      multiAz: settings.database.multiAz,
      storageEncrypted: true,
      allocatedStorage: settings.database.allocatedStorageGiB,
      maxAllocatedStorage: settings.database.maxAllocatedStorageGiB,
      storageType: rds.StorageType.GP3,
      databaseName: DATABASE_NAME,
      credentials,
      backupRetention: Duration.days(settings.database.backupRetentionDays),
      deletionProtection: settings.database.deletionProtection,
      removalPolicy: settings.retainData ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
      enablePerformanceInsights: true,
      cloudwatchLogsExports: ['postgresql'],
      cloudwatchLogsRetention: settings.logRetentionDays as logs.RetentionDays,
    })
    const rdsSecret = this.database.secret
    if (!rdsSecret) throw new Error('RDS generated no credentials secret')

    const pgbouncer = new Pgbouncer(this, 'Pgbouncer', {
      vpc: this.vpc,
      cluster: this.cluster,
      namespace,
      databaseHost: this.database.dbInstanceEndpointAddress,
      credentials: rdsSecret,
      logGroup: logGroup('pgbouncer'),
      size: settings.pgbouncer,
    })
    databaseSg.addIngressRule(pgbouncer.securityGroup, ec2.Port.tcp(5432), 'pgbouncer')
    const migrationSg = new ec2.SecurityGroup(this, 'MigrationSg', {
      vpc: this.vpc,
      description: 'the one-off migration task: straight to RDS',
    })
    databaseSg.addIngressRule(migrationSg, ec2.Port.tcp(5432), 'migrations')
    this.pgbouncerSecurityGroup = pgbouncer.securityGroup
    this.migrationSecurityGroup = migrationSg

    // URLs composed from a CloudFormation dynamic reference: resolved by CloudFormation at deploy time, so the
    // password is in neither the template nor the cloud assembly. Rotating the RDS secret means redeploying
    // this stack (infra/README.md).
    const password = rdsSecret.secretValueFromJson('password').unsafeUnwrap()
    this.secrets = {
      databaseUrl: new secretsmanager.Secret(this, 'DatabaseUrl', {
        secretName: `chargebus/${ctx.envName}/database-url`,
        secretStringValue: SecretValue.unsafePlainText(
          `postgres://${DATABASE_USER}:${password}@${pgbouncer.host}:${PGBOUNCER_PORT}/${DATABASE_NAME}`,
        ),
      }),
      databaseAdminUrl: new secretsmanager.Secret(this, 'DatabaseAdminUrl', {
        secretName: `chargebus/${ctx.envName}/database-admin-url`,
        secretStringValue: SecretValue.unsafePlainText(
          `postgres://${DATABASE_USER}:${password}@${this.database.dbInstanceEndpointAddress}:5432/${DATABASE_NAME}`,
        ),
      }),
      natsPassword: new secretsmanager.Secret(this, 'NatsPassword', {
        secretName: `chargebus/${ctx.envName}/nats-password`,
        generateSecretString: { passwordLength: 40, excludePunctuation: true },
      }),
      ftpTls: new secretsmanager.Secret(this, 'FtpTls', {
        secretName: `chargebus/${ctx.envName}/ftp-tls`,
        description:
          'FTPS certificate and key of the FTP edge as {"cert": PEM, "key": PEM}; set by an operator',
        generateSecretString: {
          secretStringTemplate: JSON.stringify({ cert: 'SET-ME' }),
          generateStringKey: 'key',
        },
      }),
    }

    const nats = new NatsCluster(this, 'Nats', {
      vpc: this.vpc,
      cluster: this.cluster,
      namespace,
      password: this.secrets.natsPassword,
      logGroup: logGroup('nats'),
      size: settings.nats,
      retainData: settings.retainData,
    })
    this.natsUrl = nats.url
    this.natsSecurityGroup = nats.securityGroup

    this.archiveBucket = privateBucket(this, 'Archive', removal, [
      {
        id: 'cold',
        transitions: [
          { storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(30) },
        ],
        expiration: Duration.days(settings.archiveRetentionDays),
        abortIncompleteMultipartUploadAfter: Duration.days(2),
      },
    ])
    this.uploadsBucket = privateBucket(this, 'Uploads', removal, [
      {
        id: 'expire',
        expiration: Duration.days(settings.uploadsRetentionDays),
        abortIncompleteMultipartUploadAfter: Duration.days(2),
      },
    ])
  }
}

function privateBucket(
  scope: Construct,
  id: string,
  removalPolicy: RemovalPolicy,
  lifecycleRules: s3.LifecycleRule[],
) {
  return new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    versioned: false,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    lifecycleRules,
    removalPolicy,
  })
}
