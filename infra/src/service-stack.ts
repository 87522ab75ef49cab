import {
  aws_applicationautoscaling as appscaling,
  CfnOutput,
  aws_cloudwatch as cloudwatch,
  Duration,
  aws_ec2 as ec2,
  aws_ecs as ecs,
  aws_elasticloadbalancingv2 as elbv2,
  aws_logs as logs,
  RemovalPolicy,
  Stack,
  type StackProps,
} from 'aws-cdk-lib'
import type { Construct } from 'constructs'
import type { DeployContext } from './context.ts'
import type { ServiceName } from './environments.ts'
import { FtpPassiveTargets } from './ftp-passive-targets.ts'
import type { GlobalStack } from './global-stack.ts'
import { CONSUMERS, metricNamespace } from './metric-catalog.ts'
import { addMetricsSidecar } from './metrics-sidecar.ts'
import { NATS_CLIENT_PORT } from './nats-cluster.ts'
import { PGBOUNCER_PORT } from './pgbouncer.ts'
import { FTP_CONTROL_PORT, FTP_PASSIVE_PORTS, SERVICE_SPECS } from './service-specs.ts'

/**
 * One service: a Fargate service in private subnets running `node services/<name>/src/main.ts` from the shared
 * image at `ctx.imageTag`, its edge (if any), its scaling, and a task role that reaches only its own bucket.
 */
export class ServiceStack extends Stack {
  readonly service: ecs.FargateService
  /** The public load balancer in front of the service, for the dashboard's request and error widgets. */
  readonly loadBalancer: elbv2.ApplicationLoadBalancer | elbv2.NetworkLoadBalancer | undefined

  constructor(
    scope: Construct,
    id: string,
    props: StackProps & { ctx: DeployContext; global: GlobalStack; name: ServiceName },
  ) {
    super(scope, id, props)
    const { ctx, global, name } = props
    const spec = SERVICE_SPECS[name]
    const size = ctx.settings.services[name]
    const logGroup = global.logGroups[name]

    const task = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: size.cpu,
      memoryLimitMiB: size.memoryMiB,
    })
    const environment: Record<string, string> = {
      NODE_ENV: 'production',
      HOST: '0.0.0.0',
      PORT: String(spec.port),
      LOG_LEVEL: 'info',
      NATS_URL: global.natsUrl,
      NATS_USER: 'chargebus',
      NATS_STREAM_REPLICAS: String(ctx.settings.nats.streamReplicas),
    }
    const secrets: Record<string, ecs.Secret> = {
      NATS_PASSWORD: ecs.Secret.fromSecretsManager(global.secrets.natsPassword),
    }
    if (spec.database) secrets.DATABASE_URL = ecs.Secret.fromSecretsManager(global.secrets.databaseUrl)
    if (spec.bucket) {
      const bucket = spec.bucket === 'archive' ? global.archiveBucket : global.uploadsBucket
      bucket.grantReadWrite(task.taskRole)
      environment.STORAGE_URL = `s3://${bucket.bucketName}`
      environment.STORAGE_S3_REGION = this.region
    }

    const main = `services/${name}/src/main.ts`
    // node is the container's main process (signals reach it: graceful shutdown); only the FTP edge needs a shell.
    let entryPoint: string[] | undefined
    let command = ['node', main]
    const portMappings: ecs.PortMapping[] = [{ containerPort: spec.port }]
    let ftpAddress: ec2.CfnEIP | undefined
    // The ALB adds X-Forwarded-For: rate limits and logs then see the client (the NLBs keep it instead).
    if (spec.edge === 'api-alb') environment.HTTP_TRUST_PROXY = global.vpc.vpcCidrBlock
    if (spec.edge === 'ocpp-nlb') {
      environment.OCPP_PUBLIC_URL = `https://${ctx.ocppDomain}`
      environment.OCPP_FTP_URL = `ftp://${ctx.ftpDomain}:${FTP_CONTROL_PORT}`
    }
    if (spec.edge === 'ftp-nlb') {
      ftpAddress = new ec2.CfnEIP(this, 'FtpAddress', { domain: 'vpc' })
      Object.assign(environment, {
        FTP_HOST: '0.0.0.0',
        FTP_PORT: String(FTP_CONTROL_PORT),
        // PASV names this address; stations connect to it and the NLB forwards the port to the task.
        FTP_PASSIVE_HOST: ftpAddress.attrPublicIp,
        FTP_PASSIVE_MIN_PORT: String(FTP_PASSIVE_PORTS[0]),
        FTP_PASSIVE_MAX_PORT: String(FTP_PASSIVE_PORTS.at(-1)),
        FTP_REQUIRE_TLS: 'true',
        FTP_TLS_CERT_FILE: '/tmp/ftp-tls/cert.pem',
        FTP_TLS_KEY_FILE: '/tmp/ftp-tls/key.pem',
      })
      secrets.FTP_TLS_CERT = ecs.Secret.fromSecretsManager(global.secrets.ftpTls, 'cert')
      secrets.FTP_TLS_KEY = ecs.Secret.fromSecretsManager(global.secrets.ftpTls, 'key')
      // ftp-ingest reads its certificate from files: write the ECS secrets to tmpfs-backed /tmp, then start.
      entryPoint = ['sh', '-c']
      command = [
        `mkdir -p -m 700 /tmp/ftp-tls && printf '%s' "$FTP_TLS_CERT" > /tmp/ftp-tls/cert.pem && printf '%s' "$FTP_TLS_KEY" > /tmp/ftp-tls/key.pem && unset FTP_TLS_CERT FTP_TLS_KEY && exec node ${main}`,
      ]
      portMappings.push({ containerPort: FTP_CONTROL_PORT })
      for (const port of FTP_PASSIVE_PORTS) portMappings.push({ containerPort: port })
    }

    task.addContainer('app', {
      image: ecs.ContainerImage.fromEcrRepository(global.repository, ctx.imageTag),
      entryPoint,
      command,
      environment,
      secrets,
      portMappings,
      healthCheck: {
        command: [
          'CMD',
          'node',
          '-e',
          `fetch('http://127.0.0.1:${spec.port}/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
        ],
        interval: Duration.seconds(10),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(30),
      },
      stopTimeout: Duration.seconds(30),
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: name }),
    })
    addMetricsSidecar(task, {
      envName: ctx.envName,
      service: name,
      port: spec.port,
      metricsLogGroup: global.metricsLogGroup,
      logGroup,
    })

    const securityGroup = new ec2.SecurityGroup(this, 'Sg', { vpc: global.vpc, description: `${name} tasks` })
    // remoteRule: the rules live in this stack, beside their peer, so the global stack never depends on a
    // service stack and deleting a service removes its access.
    global.natsSecurityGroup.addIngressRule(
      securityGroup,
      ec2.Port.tcp(NATS_CLIENT_PORT),
      `NATS: ${name}`,
      true,
    )
    if (spec.database) {
      global.pgbouncerSecurityGroup.addIngressRule(
        securityGroup,
        ec2.Port.tcp(PGBOUNCER_PORT),
        `pgbouncer: ${name}`,
        true,
      )
    }
    this.service = new ecs.FargateService(this, 'Service', {
      cluster: global.cluster,
      serviceName: `${name}`,
      taskDefinition: task,
      desiredCount: size.min,
      assignPublicIp: false,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [securityGroup],
      circuitBreaker: { rollback: true },
      // Singletons stop before their replacement starts (one archiver, one FTP task behind the PASV address).
      ...(spec.scaling === 'singleton'
        ? { minHealthyPercent: 0, maxHealthyPercent: 100 }
        : { minHealthyPercent: 100 }),
      healthCheckGracePeriod: spec.edge ? Duration.seconds(60) : undefined,
    })

    const fromLoadBalancer = ec2.Peer.ipv4(global.vpc.vpcCidrBlock)
    // NLB targets keep the client's address (preserveClientIp), so the per-address throttles of the gateway and
    // the FTP edge see stations, not the NLB. The tasks then see internet sources; they stay unreachable except
    // through the NLB (private subnets, no public IP).
    const fromStations = ec2.Peer.anyIpv4()
    const readyz = { path: '/readyz', port: String(spec.port), interval: Duration.seconds(10) }
    if (spec.edge === 'ocpp-nlb') {
      const nlb = new elbv2.NetworkLoadBalancer(this, 'Nlb', {
        vpc: global.vpc,
        internetFacing: true,
        vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
        crossZoneEnabled: true,
      })
      // Stations speak HTTP SOAP; TLS ends at the NLB with the ACM certificate.
      nlb
        .addListener('Tls', {
          port: 443,
          protocol: elbv2.Protocol.TLS,
          certificates: [elbv2.ListenerCertificate.fromArn(ctx.ocppCertificateArn)],
          sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        })
        .addTargets('Gateway', {
          port: spec.port,
          protocol: elbv2.Protocol.TCP,
          targets: [this.service],
          healthCheck: { ...readyz, protocol: elbv2.Protocol.HTTP },
          deregistrationDelay: Duration.seconds(30),
          preserveClientIp: true,
        })
      securityGroup.addIngressRule(fromStations, ec2.Port.tcp(spec.port), 'stations through the NLB')
      this.loadBalancer = nlb
    } else if (spec.edge === 'api-alb') {
      const alb = new elbv2.ApplicationLoadBalancer(this, 'Alb', {
        vpc: global.vpc,
        internetFacing: true,
        vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
        // Above the ALB's default 60 s: SSE streams and slow exports stay open.
        idleTimeout: Duration.seconds(120),
      })
      alb
        .addListener('Https', {
          port: 443,
          protocol: elbv2.ApplicationProtocol.HTTPS,
          certificates: [elbv2.ListenerCertificate.fromArn(ctx.apiCertificateArn)],
          sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        })
        .addTargets('Api', {
          port: spec.port,
          protocol: elbv2.ApplicationProtocol.HTTP,
          targets: [this.service],
          healthCheck: readyz,
          deregistrationDelay: Duration.seconds(30),
        })
      alb.addRedirect({ sourcePort: 80, targetPort: 443 })
      this.loadBalancer = alb
    } else if (spec.edge === 'ftp-nlb' && ftpAddress) {
      const nlb = new elbv2.NetworkLoadBalancer(this, 'Nlb', {
        vpc: global.vpc,
        internetFacing: true,
        crossZoneEnabled: true,
        // The EIP in the first public subnet is the address PASV names; the others keep the NLB in every AZ.
        subnetMappings: global.vpc.publicSubnets.map((subnet, i) => ({
          subnet,
          allocationId:
            i === 0
              ? ftpAddress.attrAllocationId
              : new ec2.CfnEIP(this, `FtpAddress${i}`, { domain: 'vpc' }).attrAllocationId,
        })),
      })
      // FTPS (explicit, AUTH TLS) is done by the service itself: the NLB forwards TCP as is.
      nlb
        .addListener('Control', { port: FTP_CONTROL_PORT, protocol: elbv2.Protocol.TCP })
        .addTargets('Control', {
          port: FTP_CONTROL_PORT,
          protocol: elbv2.Protocol.TCP,
          targets: [
            this.service.loadBalancerTarget({ containerName: 'app', containerPort: FTP_CONTROL_PORT }),
          ],
          healthCheck: { ...readyz, protocol: elbv2.Protocol.HTTP },
          preserveClientIp: true,
        })
      const passive = FTP_PASSIVE_PORTS.map((port) => {
        const group = new elbv2.NetworkTargetGroup(this, `Passive${port}`, {
          vpc: global.vpc,
          port,
          protocol: elbv2.Protocol.TCP,
          targetType: elbv2.TargetType.IP,
          healthCheck: { ...readyz, protocol: elbv2.Protocol.HTTP },
          deregistrationDelay: Duration.seconds(30),
          preserveClientIp: true,
        })
        nlb.addListener(`Passive${port}`, {
          port,
          protocol: elbv2.Protocol.TCP,
          defaultTargetGroups: [group],
        })
        return { group, port }
      })
      new FtpPassiveTargets(this, 'PassiveTargets', {
        cluster: global.cluster,
        service: this.service,
        targetGroups: passive,
        logGroup: new logs.LogGroup(this, 'PassiveTargetsLogs', {
          retention: ctx.settings.logRetentionDays as logs.RetentionDays,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
      })
      securityGroup.addIngressRule(
        fromStations,
        ec2.Port.tcp(FTP_CONTROL_PORT),
        'stations through the NLB: control',
      )
      securityGroup.addIngressRule(
        fromStations,
        ec2.Port.tcpRange(FTP_PASSIVE_PORTS[0] ?? 30000, FTP_PASSIVE_PORTS.at(-1) ?? 30019),
        'stations through the NLB: passive data',
      )
      securityGroup.addIngressRule(fromLoadBalancer, ec2.Port.tcp(spec.port), 'the NLB: health checks')
      this.loadBalancer = nlb
    }

    if (this.loadBalancer) {
      // What the DNS records point at (infra/README.md, "Deploy from an empty account").
      new CfnOutput(this, 'LoadBalancerDns', { value: this.loadBalancer.loadBalancerDnsName })
    }
    if (ftpAddress) new CfnOutput(this, 'FtpPublicIp', { value: ftpAddress.attrPublicIp })
    this.addScaling(ctx, name)
  }

  private addScaling(ctx: DeployContext, name: ServiceName): void {
    const spec = SERVICE_SPECS[name]
    const size = ctx.settings.services[name]
    if (spec.scaling === 'singleton') return
    const scaling = this.service.autoScaleTaskCount({ minCapacity: size.min, maxCapacity: size.max })
    if (spec.scaling === 'cpu') {
      scaling.scaleOnCpuUtilization('Cpu', {
        targetUtilizationPercent: 60,
        scaleOutCooldown: Duration.seconds(60),
        scaleInCooldown: Duration.minutes(5),
      })
      return
    }
    // Consumers scale on their JetStream backlog (published by the metrics sidecar, infra/README.md "Metrics").
    const lag = consumerLag(ctx.envName, name)
    scaling.scaleOnMetric('ConsumerLag', {
      metric: lag,
      adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      scalingSteps: [
        { upper: 100, change: -1 },
        { lower: 5_000, change: +1 },
        { lower: 50_000, change: +2 },
      ],
      cooldown: Duration.minutes(3),
      evaluationPeriods: 3,
    })
  }
}

/** The largest backlog (messages) of a service's durable consumers. */
export function consumerLag(envName: string, name: ServiceName): cloudwatch.IMetric {
  const consumers = CONSUMERS[name] ?? []
  const metrics = Object.fromEntries(
    consumers.map((c, i) => [
      `${name.replace(/-/g, '_')}_lag${i}`,
      new cloudwatch.Metric({
        namespace: metricNamespace(envName),
        metricName: 'chargebus_bus_consumer_pending_messages',
        dimensionsMap: { stream: c.stream, durable: c.durable },
        statistic: 'Maximum',
        period: Duration.minutes(1),
      }),
    ]),
  )
  return new cloudwatch.MathExpression({
    expression: `MAX([${Object.keys(metrics).join(', ')}])`,
    usingMetrics: metrics,
    label: `${name} consumer lag (messages)`,
    period: Duration.minutes(1),
  })
}
