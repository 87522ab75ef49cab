import {
  Duration,
  aws_ec2 as ec2,
  aws_ecs as ecs,
  aws_efs as efs,
  type aws_logs as logs,
  RemovalPolicy,
  type aws_servicediscovery as sd,
  type aws_secretsmanager as secretsmanager,
} from 'aws-cdk-lib'
import { Construct } from 'constructs'

export const NATS_IMAGE = 'nats:2.12-alpine'
/** Nodes of the cluster: the most replicas a stream can have here. */
export const NATS_NODES = 3
export const NATS_CLIENT_PORT = 4222
const CLIENT_PORT = NATS_CLIENT_PORT
const CLUSTER_PORT = 6222
const MONITOR_PORT = 8222

export type NatsClusterProps = {
  vpc: ec2.IVpc
  cluster: ecs.ICluster
  namespace: sd.IPrivateDnsNamespace
  password: secretsmanager.ISecret
  logGroup: logs.ILogGroup
  size: { cpu: number; memoryMiB: number; maxStoreGiB: number; syncInterval: string }
  retainData: boolean
}

/**
 * Three JetStream nodes, each its own Fargate service of exactly one task with its own EFS access point, so a
 * replaced task finds its store again (R3 streams survive the loss of one node). Private subnets only; clients
 * reach them through `clientSecurityGroup` at nats-0..2.<namespace>.
 */
export class NatsCluster extends Construct {
  /** The nodes' group: each client stack opens CLIENT_PORT to its own tasks (allowClient). */
  readonly securityGroup: ec2.SecurityGroup
  /** nats://nats-0.chargebus.internal:4222,... for NATS_URL. */
  readonly url: string

  constructor(scope: Construct, id: string, props: NatsClusterProps) {
    super(scope, id)
    const { vpc, namespace } = props
    this.securityGroup = new ec2.SecurityGroup(this, 'NodeSg', {
      vpc,
      description: 'NATS nodes: clients and routes only, never the internet',
      allowAllOutbound: true,
    })
    this.securityGroup.addIngressRule(this.securityGroup, ec2.Port.tcp(CLUSTER_PORT), 'cluster routes')
    this.securityGroup.addIngressRule(
      this.securityGroup,
      ec2.Port.tcp(MONITOR_PORT),
      'monitoring between nodes',
    )

    const fs = new efs.FileSystem(this, 'Store', {
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      encrypted: true,
      throughputMode: efs.ThroughputMode.ELASTIC,
      performanceMode: efs.PerformanceMode.GENERAL_PURPOSE,
      removalPolicy: props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    })
    fs.connections.allowDefaultPortFrom(this.securityGroup, 'NATS nodes mount their store')

    const host = (i: number) => `nats-${i}.${namespace.namespaceName}`
    const routes = Array.from({ length: NATS_NODES }, (_, i) => `nats://${host(i)}:${CLUSTER_PORT}`).join(',')
    this.url = Array.from({ length: NATS_NODES }, (_, i) => `nats://${host(i)}:${CLIENT_PORT}`).join(',')

    for (let i = 0; i < NATS_NODES; i++) {
      const accessPoint = fs.addAccessPoint(`Node${i}`, {
        path: `/nats-${i}`,
        createAcl: { ownerUid: '1000', ownerGid: '1000', permissions: '750' },
        posixUser: { uid: '1000', gid: '1000' },
      })
      const task = new ecs.FargateTaskDefinition(this, `Task${i}`, {
        cpu: props.size.cpu,
        memoryLimitMiB: props.size.memoryMiB,
        runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64 },
      })
      task.addVolume({
        name: 'store',
        efsVolumeConfiguration: {
          fileSystemId: fs.fileSystemId,
          transitEncryption: 'ENABLED',
          authorizationConfig: { accessPointId: accessPoint.accessPointId, iam: 'ENABLED' },
        },
      })
      fs.grant(task.taskRole, 'elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite')
      const container = task.addContainer('nats', {
        image: ecs.ContainerImage.fromRegistry(NATS_IMAGE),
        user: '1000:1000',
        // The config is written at start so the password comes from the ECS secret, never the template.
        entryPoint: ['sh', '-c'],
        command: [natsStartScript(i, routes, props.size)],
        secrets: { NATS_PASSWORD: ecs.Secret.fromSecretsManager(props.password) },
        portMappings: [
          { containerPort: CLIENT_PORT },
          { containerPort: CLUSTER_PORT },
          { containerPort: MONITOR_PORT },
        ],
        healthCheck: {
          command: ['CMD-SHELL', `wget -q -O /dev/null http://127.0.0.1:${MONITOR_PORT}/healthz || exit 1`],
          interval: Duration.seconds(10),
          timeout: Duration.seconds(5),
          retries: 3,
          startPeriod: Duration.seconds(30),
        },
        logging: ecs.LogDrivers.awsLogs({ logGroup: props.logGroup, streamPrefix: `nats-${i}` }),
      })
      container.addMountPoints({ sourceVolume: 'store', containerPath: '/data', readOnly: false })
      new ecs.FargateService(this, `Node${i}Service`, {
        cluster: props.cluster,
        taskDefinition: task,
        desiredCount: 1,
        // Never two tasks on one store: the old task stops before its replacement starts.
        minHealthyPercent: 0,
        maxHealthyPercent: 100,
        assignPublicIp: false,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        securityGroups: [this.securityGroup],
        cloudMapOptions: { cloudMapNamespace: namespace, name: `nats-${i}`, dnsTtl: Duration.seconds(10) },
        circuitBreaker: { rollback: true },
      })
    }
  }
}

/**
 * nats.conf for node i: JetStream on the EFS store (fsync every `syncInterval`; needs nats-server 2.10+, and the
 * Raft log follows it from 2.11), a route to each node, one password-protected user.
 */
function natsStartScript(
  i: number,
  routes: string,
  store: { maxStoreGiB: number; syncInterval: string },
): string {
  const conf = [
    `server_name: nats-${i}`,
    `port: ${CLIENT_PORT}`,
    `http: ${MONITOR_PORT}`,
    `jetstream { store_dir: /data, max_file_store: ${store.maxStoreGiB}G, sync_interval: ${store.syncInterval} }`,
    `cluster { name: chargebus, port: ${CLUSTER_PORT}, routes: [${routes}] }`,
    'authorization { users = [ { user: chargebus, password: $NATS_PASSWORD } ] }',
  ].join('\n')
  return `printf '%s\\n' '${conf}' > /tmp/nats.conf && exec nats-server -c /tmp/nats.conf`
}
