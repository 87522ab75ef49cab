import { App } from 'aws-cdk-lib'
import { Annotations, Match } from 'aws-cdk-lib/assertions'
import { buildStacks } from '../src/app.ts'
import { ContextError } from '../src/context.ts'
import { ENVIRONMENTS, SERVICE_NAMES } from '../src/environments.ts'
import { NATS_NODES } from '../src/nats-cluster.ts'
import { FTP_CONTROL_PORT, FTP_PASSIVE_PORTS } from '../src/service-specs.ts'
import { unpinnedImage } from './image-pins.ts'
import { secretLookingEnvironment } from './secrets-scan.ts'
import {
  API_CERT,
  type Cfn,
  deployContext,
  OCPP_CERT,
  resourcesOf,
  type Synthesized,
  synthesize,
} from './synth.ts'

// Synth takes seconds: one app per environment, shared by the assertions below.
let dev: Synthesized
let prod: Synthesized
beforeAll(() => {
  dev = synthesize('dev')
  prod = synthesize('prod', { account: '111111111111', region: 'eu-west-1' })
}, 120_000)

const json = (v: unknown) => JSON.stringify(v)
const services = (s: Synthesized) => resourcesOf(s, 'AWS::ECS::Service')
const containers = (s: Synthesized) =>
  resourcesOf(s, 'AWS::ECS::TaskDefinition').flatMap((t) =>
    (t.props.ContainerDefinitions as Cfn[]).map((c) => ({ stack: t.stack, ...c })),
  )
const serviceStack = (s: Synthesized, name: string) => {
  const found = s.all.find((t) => t.name.endsWith(`-svc-${name}`))
  if (!found) throw new Error(`no stack for ${name}`)
  return found.template
}

describe('context', () => {
  const build = (ctx: Record<string, unknown>) => () => buildStacks(new App({ context: ctx }))

  it('refuses a missing or unknown environment, naming the choices', () => {
    expect(build(deployContext('', { env: undefined }))).toThrow(ContextError)
    expect(build(deployContext('production'))).toThrow(/context env must be one of dev, staging, prod/)
  })

  it('requires an image tag and certificate ARNs, and checks their shape', () => {
    expect(build(deployContext('dev', { imageTag: undefined }))).toThrow(/context imageTag is required/)
    expect(build(deployContext('dev', { imageTag: 'a b' }))).toThrow(
      /context imageTag must be a Docker image tag/,
    )
    expect(build(deployContext('dev', { apiCertificateArn: 'arn:aws:iam::1:cert' }))).toThrow(
      /context apiCertificateArn must be an ACM certificate ARN/,
    )
  })

  it('takes account and region together or not at all', () => {
    expect(build(deployContext('dev', { account: '111111111111' }))).toThrow(/account and region go together/)
  })
})

describe('synth is offline', () => {
  it('needs no lookup with an account and region (no error annotations)', () => {
    for (const { template } of prod.all) expect(template).toBeDefined()
    Annotations.fromStack(prod.stacks.global).hasNoError('*', Match.anyValue())
    for (const stack of Object.values(prod.stacks.services))
      Annotations.fromStack(stack).hasNoError('*', Match.anyValue())
  })

  it('spreads the prod VPC over three zones and uses the context image tag for every service', () => {
    const subnets = resourcesOf(prod, 'AWS::EC2::Subnet').map((s) => s.props.AvailabilityZone)
    expect(new Set(subnets)).toEqual(new Set(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']))
    const images = containers(dev)
      .filter((c) => c.Name === 'app')
      .map((c) => json(c.Image))
    expect(images).toHaveLength(SERVICE_NAMES.length)
    for (const image of images) expect(image).toContain(':release-7f3a2c1')
  })
})

describe('no public database or NATS', () => {
  it('keeps RDS private, encrypted, in the isolated subnets, with backups', () => {
    for (const s of [dev, prod]) {
      const [db] = resourcesOf(s, 'AWS::RDS::DBInstance')
      expect(db?.props).toMatchObject({ PubliclyAccessible: false, StorageEncrypted: true })
      expect(db?.props.BackupRetentionPeriod).toBeGreaterThanOrEqual(1)
      const [group] = resourcesOf(s, 'AWS::RDS::DBSubnetGroup')
      expect(json(group?.props.SubnetIds)).toMatch(/dataSubnet/)
      expect(json(group?.props.SubnetIds)).not.toMatch(/publicSubnet|privateSubnet/)
    }
  })

  it('is Multi-AZ in prod only', () => {
    const multiAz = (s: Synthesized) => resourcesOf(s, 'AWS::RDS::DBInstance')[0]?.props.MultiAZ
    expect(multiAz(prod)).toBe(true)
    expect(multiAz(dev)).toBe(false)
    expect(multiAz(synthesize('staging'))).toBe(false)
  }, 60_000)

  it('opens no port of the global stack to an address range: only security groups reach NATS, pgbouncer, RDS', () => {
    const global = prod.all.find((t) => t.name.endsWith('-global'))?.template
    const inline = Object.values(global?.findResources('AWS::EC2::SecurityGroup') ?? {}).flatMap(
      (g: Cfn) => g.Properties.SecurityGroupIngress ?? [],
    )
    const separate = resourcesOf(prod, 'AWS::EC2::SecurityGroupIngress').map((r) => r.props)
    const rules = [...inline, ...separate]
    expect(rules.length).toBeGreaterThan(0)
    for (const rule of rules) {
      if ([4222, 6222, 8222, 6432, 5432, 2049].includes(rule.FromPort)) {
        expect(rule.CidrIp).toBeUndefined()
        expect(rule.SourceSecurityGroupId).toBeDefined()
      }
    }
    // Nothing anywhere admits the internet straight to a task or a data store: only load balancers are public.
    expect(json(separate)).not.toContain('0.0.0.0/0')
  })

  it('runs NATS as three single-task services with encrypted persistent storage, no public IP', () => {
    const nats = services(prod).filter((s) => s.stack.endsWith('-global') && /Nats/.test(s.id))
    expect(nats).toHaveLength(3)
    for (const n of nats) {
      expect(n.props.DesiredCount).toBe(1)
      expect(n.props.DeploymentConfiguration.MaximumPercent).toBe(100)
    }
    const [fs] = resourcesOf(prod, 'AWS::EFS::FileSystem')
    expect(fs?.props.Encrypted).toBe(true)
    expect(resourcesOf(prod, 'AWS::EFS::AccessPoint')).toHaveLength(3)
  })
})

describe('tasks', () => {
  it('run in private subnets without a public IP', () => {
    const all = services(prod)
    expect(all.length).toBe(SERVICE_NAMES.length + 3 + 1) // services, NATS nodes, pgbouncer
    for (const s of all) {
      const vpc = s.props.NetworkConfiguration.AwsvpcConfiguration
      expect(vpc.AssignPublicIp).toBe('DISABLED')
      expect(json(vpc.Subnets)).toMatch(/privateSubnet/)
      expect(json(vpc.Subnets)).not.toMatch(/publicSubnet/)
    }
  })

  it('check /readyz in every service container, and the load balancers do too', () => {
    const apps = containers(dev).filter((c) => c.Name === 'app')
    expect(apps).toHaveLength(SERVICE_NAMES.length)
    for (const c of apps) expect(json(c.HealthCheck.Command)).toContain('/readyz')
    const groups = resourcesOf(dev, 'AWS::ElasticLoadBalancingV2::TargetGroup')
    expect(groups.length).toBeGreaterThan(0)
    for (const g of groups) expect(g.props.HealthCheckPath).toBe('/readyz')
  })

  it('never carry a secret in a plain environment variable', () => {
    for (const s of [dev, prod]) {
      const all = containers(s)
      expect(all.length).toBeGreaterThan(SERVICE_NAMES.length)
      for (const c of all)
        expect({ container: `${c.stack}/${c.Name}`, leaks: secretLookingEnvironment(c) }).toEqual({
          container: `${c.stack}/${c.Name}`,
          leaks: [],
        })
      // ...and the secrets are there, as ECS secrets.
      for (const c of all.filter((c) => c.Name === 'app')) {
        const names = (c.Secrets ?? []).map((x: { Name: string }) => x.Name)
        expect(names).toContain('NATS_PASSWORD')
      }
    }
  })

  it('the scan would catch a secret in the environment', () => {
    expect(secretLookingEnvironment({ Environment: [{ Name: 'DATABASE_URL', Value: 'x' }] })).toEqual([
      'DATABASE_URL',
    ])
    expect(
      secretLookingEnvironment({
        Environment: [{ Name: 'UPSTREAM', Value: 'postgres://u:hunter2@db:5432/x' }],
      }),
    ).toEqual(['UPSTREAM'])
    expect(
      secretLookingEnvironment({
        Environment: [
          { Name: 'X', Value: { 'Fn::Join': ['', ['{{resolve:secretsmanager:arn:SecretString:p}}']] } },
        ],
      }),
    ).toEqual(['X'])
    expect(
      secretLookingEnvironment({ Environment: [{ Name: 'NATS_URL', Value: 'nats://n1:4222' }] }),
    ).toEqual([])
  })

  it('get only their own bucket in their task role', () => {
    const policies = (name: string) => json(serviceStack(dev, name).findResources('AWS::IAM::Policy'))
    const archive = dev.stacks.global.resolve(dev.stacks.global.archiveBucket.bucketArn)
    const uploads = dev.stacks.global.resolve(dev.stacks.global.uploadsBucket.bucketArn)
    const bucketId = (arn: unknown) => (json(arn).match(/(Archive|Uploads)[0-9A-F]{8}/) ?? [])[0] as string
    expect(bucketId(archive)).toBeTruthy()
    // Stated here, not read from SERVICE_SPECS: a change of the table must change this test too.
    const expected: Record<string, 'archive' | 'uploads' | undefined> = {
      archiver: 'archive',
      api: 'uploads',
      'ftp-ingest': 'uploads',
    }
    for (const name of SERVICE_NAMES) {
      const text = policies(name)
      expect({ name, s3: text.includes('s3:PutObject') }).toEqual({ name, s3: expected[name] !== undefined })
      expect({ name, archive: text.includes(bucketId(archive)) }).toEqual({
        name,
        archive: expected[name] === 'archive',
      })
      expect({ name, uploads: text.includes(bucketId(uploads)) }).toEqual({
        name,
        uploads: expected[name] === 'uploads',
      })
    }
  })
})

describe('edges', () => {
  it('end TLS for OCPP at the NLB with the OCPP certificate', () => {
    serviceStack(dev, 'ocpp-gateway').hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Protocol: 'TLS',
      Port: 443,
      Certificates: [{ CertificateArn: OCPP_CERT }],
    })
    serviceStack(dev, 'ocpp-gateway').hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Type: 'network',
      Scheme: 'internet-facing',
    })
    serviceStack(dev, 'ocpp-gateway').resourcePropertiesCountIs(
      'AWS::ElasticLoadBalancingV2::Listener',
      { Protocol: Match.not('TLS') },
      0,
    )
  })

  it('serve the API over HTTPS on an ALB; plain HTTP only redirects', () => {
    const api = serviceStack(dev, 'api')
    api.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Protocol: 'HTTPS',
      Port: 443,
      Certificates: [{ CertificateArn: API_CERT }],
    })
    api.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: [
        Match.objectLike({ Type: 'redirect', RedirectConfig: Match.objectLike({ Protocol: 'HTTPS' }) }),
      ],
    })
  })

  it('forward FTP control and every passive port on the NLB to the same port, and require FTPS', () => {
    const ftp = serviceStack(dev, 'ftp-ingest')
    const listeners = Object.values(ftp.findResources('AWS::ElasticLoadBalancingV2::Listener')).map(
      (l: Cfn) => l.Properties,
    )
    expect(listeners.map((l) => l.Port).sort()).toEqual([FTP_CONTROL_PORT, ...FTP_PASSIVE_PORTS].sort())
    const groups = ftp.findResources('AWS::ElasticLoadBalancingV2::TargetGroup')
    for (const l of listeners) {
      expect(l.Protocol).toBe('TCP')
      const groupId = l.DefaultActions[0].TargetGroupArn.Ref
      expect(groups[groupId]?.Properties.Port).toBe(l.Port)
    }
    const app = containers(dev).find((c) => c.stack.endsWith('ftp-ingest') && c.Name === 'app')
    const env = Object.fromEntries(app.Environment.map((e: Cfn) => [e.Name, e.Value]))
    expect(env).toMatchObject({
      FTP_REQUIRE_TLS: 'true',
      FTP_PASSIVE_MIN_PORT: '30000',
      FTP_PASSIVE_MAX_PORT: '30019',
    })
    expect(json(env.FTP_PASSIVE_HOST)).toMatch(/FtpAddress.*PublicIp/)
    // The passive ports are registered by the task-state function, for exactly those target groups.
    ftp.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ 'detail-type': ['ECS Task State Change'] }),
    })
  })
})

describe('internet sources', () => {
  it('reach only the NLB-fronted station ports, whose target groups keep the client address', () => {
    const open = resourcesOf(prod, 'AWS::EC2::SecurityGroup').flatMap((g) =>
      (g.props.SecurityGroupIngress ?? [])
        .filter((r: Cfn) => r.CidrIp === '0.0.0.0/0')
        .map((r: Cfn) => `${g.stack.replace('Chargebus-prod-', '')}:${r.FromPort}-${r.ToPort}`),
    )
    expect(open.sort()).toEqual(
      [
        'svc-api:443-443', // the ALB itself
        'svc-api:80-80', // the ALB's redirect
        'svc-ftp-ingest:2121-2121',
        'svc-ftp-ingest:30000-30019',
        'svc-ocpp-gateway:3100-3100',
      ].sort(),
    )
    for (const name of ['ocpp-gateway', 'ftp-ingest']) {
      const groups = Object.values(
        serviceStack(prod, name).findResources('AWS::ElasticLoadBalancingV2::TargetGroup'),
      )
      expect(groups.length).toBeGreaterThan(0)
      for (const g of groups as Cfn[]) {
        expect(g.Properties.TargetGroupAttributes).toContainEqual({
          Key: 'preserve_client_ip.enabled',
          Value: 'true',
        })
      }
    }
  })
})

describe('autoscaling', () => {
  const targets = (name: string) =>
    Object.values(serviceStack(prod, name).findResources('AWS::ApplicationAutoScaling::ScalableTarget'))
  const policies = (name: string) =>
    Object.values(serviceStack(prod, name).findResources('AWS::ApplicationAutoScaling::ScalingPolicy')).map(
      (p: Cfn) => p.Properties,
    )

  it('scales the gateway and the API on CPU between the environment bounds', () => {
    for (const name of ['ocpp-gateway', 'api'] as const) {
      expect(targets(name)[0]?.Properties).toMatchObject({
        MinCapacity: ENVIRONMENTS.prod.services[name].min,
        MaxCapacity: ENVIRONMENTS.prod.services[name].max,
      })
      expect(
        policies(name)[0]?.TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification,
      ).toEqual({
        PredefinedMetricType: 'ECSServiceAverageCPUUtilization',
      })
    }
  })

  it('scales the consumers on their JetStream backlog (the custom metric)', () => {
    for (const name of ['ingest', 'aggregator'] as const) {
      expect(targets(name)).toHaveLength(1)
      expect(policies(name).some((p) => p.PolicyType === 'StepScaling')).toBe(true)
      const alarms = json(serviceStack(prod, name).findResources('AWS::CloudWatch::Alarm'))
      expect(alarms).toContain('chargebus_bus_consumer_pending_messages')
      expect(alarms).toContain('Chargebus/prod')
    }
  })

  it('leaves the singletons (archiver, FTP edge) at one task', () => {
    for (const name of ['archiver', 'ftp-ingest'] as const) {
      expect(targets(name)).toHaveLength(0)
      serviceStack(prod, name).hasResourceProperties('AWS::ECS::Service', {
        DesiredCount: 1,
        DeploymentConfiguration: Match.objectLike({ MaximumPercent: 100 }),
      })
    }
  })
})

describe('retention', () => {
  it('sets a retention on every log group, from the environment', () => {
    for (const [s, days] of [
      [dev, ENVIRONMENTS.dev.logRetentionDays],
      [prod, ENVIRONMENTS.prod.logRetentionDays],
    ] as const) {
      const groups = resourcesOf(s, 'AWS::Logs::LogGroup')
      expect(groups.length).toBeGreaterThan(SERVICE_NAMES.length)
      for (const g of groups) expect(g.props.RetentionInDays).toBe(days)
    }
  })

  it('encrypts the buckets, blocks public access and expires objects', () => {
    const buckets = resourcesOf(prod, 'AWS::S3::Bucket')
    expect(buckets).toHaveLength(2)
    for (const b of buckets) {
      expect(b.props.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      })
      expect(b.props.BucketEncryption).toBeDefined()
      const days = b.props.LifecycleConfiguration.Rules.map((r: Cfn) => r.ExpirationInDays)
      expect([ENVIRONMENTS.prod.archiveRetentionDays, ENVIRONMENTS.prod.uploadsRetentionDays]).toContain(
        days[0],
      )
    }
    const retained = prod.all
      .find((t) => t.name.endsWith('-global'))
      ?.template.findResources('AWS::S3::Bucket')
    for (const b of Object.values(retained ?? {})) expect((b as Cfn).DeletionPolicy).toBe('Retain')
  })
})

describe('images', () => {
  it('every container names a version: no latest, no untagged image', () => {
    for (const s of [dev, prod]) {
      const all = containers(s)
      expect(all.map((c) => c.Name)).toEqual(expect.arrayContaining(['app', 'metrics', 'nats']))
      for (const c of all)
        expect({ container: `${c.stack}/${c.Name}`, unpinned: unpinnedImage(c.Image) }).toEqual({
          container: `${c.stack}/${c.Name}`,
          unpinned: undefined,
        })
    }
  })

  it('the check would catch latest and untagged images', () => {
    expect(unpinnedImage('public.ecr.aws/cloudwatch-agent/cloudwatch-agent:latest')).toBe('latest')
    expect(unpinnedImage('public.ecr.aws/cloudwatch-agent/cloudwatch-agent')).toBe('untagged')
    expect(unpinnedImage('registry.example:5000/nats')).toBe('untagged')
    expect(unpinnedImage({ 'Fn::Join': ['', [{ Ref: 'AWS::AccountId' }, '.dkr.ecr/app:latest']] })).toBe(
      'latest',
    )
    expect(unpinnedImage('registry.example:5000/nats:2.12-alpine')).toBeUndefined()
    expect(unpinnedImage(`nats@sha256:${'a'.repeat(64)}`)).toBeUndefined()
  })
})

describe('stream replicas', () => {
  const replicasOf = (s: Synthesized) =>
    containers(s)
      .filter((c) => c.Name === 'app' && !c.stack.endsWith('-migrate'))
      .map(
        (c) =>
          (c.Environment as { Name: string; Value: string }[]).find((e) => e.Name === 'NATS_STREAM_REPLICAS')
            ?.Value,
      )

  it('every service declares R3 streams in prod and R1 in dev', () => {
    expect(replicasOf(prod)).toEqual(SERVICE_NAMES.map(() => '3'))
    expect(replicasOf(dev)).toEqual(SERVICE_NAMES.map(() => '1'))
  })

  it('no environment asks for more replicas than the NATS cluster has nodes', () => {
    for (const settings of Object.values(ENVIRONMENTS))
      expect(settings.nats.streamReplicas).toBeLessThanOrEqual(NATS_NODES)
    expect(ENVIRONMENTS.staging.nats.streamReplicas).toBe(3)
  })

  it('NATS fsyncs every write where a stream has one copy, and at least every second with three', () => {
    const syncOf = (s: Synthesized) =>
      containers(s)
        .filter((c) => c.Name === 'nats')
        .map((c) => /sync_interval: (\S+) \}/.exec(String((c.Command as string[])[0]))?.[1])
    expect(syncOf(dev)).toEqual(['always', 'always', 'always'])
    expect(syncOf(prod)).toEqual(['1s', '1s', '1s'])
    for (const settings of Object.values(ENVIRONMENTS))
      if (settings.nats.streamReplicas === 1) expect(settings.nats.syncInterval).toBe('always')
  })
})

describe('monitoring', () => {
  it('has an alarm for each rule it mirrors and a dashboard', () => {
    const monitoring = prod.all.find((t) => t.name.endsWith('-monitoring'))?.template
    const names = Object.values(monitoring?.findResources('AWS::CloudWatch::Alarm') ?? {}).map(
      (a: Cfn) => a.Properties.AlarmName as string,
    )
    for (const kind of [
      'ConsumerLagging-ingest',
      'ConsumerLagging-aggregator',
      'DeadLettersGrowing-ingest',
      'StreamNearFull-OCPP_IN',
      'ArchiveFallingBehind-OCPP_IN',
      'ArchiveLosing-OCPP_IN',
      'GatewayFaultRate',
      'ApiErrorRate',
      'StationsOffline',
      'ServiceDown-archiver',
      'ConsumerBacklogGrowing-ingest',
      'ConsumerBacklogGrowing-ingest-ftp-meter-logs',
      'ConsumerBacklogGrowing-aggregator',
      'StationsDroppedOffline',
      'PostgresPoolSaturated-ingest',
      'AggregatesRebuildFailed',
    ]) {
      expect(names).toContain(`chargebus-prod-${kind}`)
    }
    monitoring?.resourceCountIs('AWS::CloudWatch::Dashboard', 1)
    monitoring?.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [Match.anyValue()] })
  })

  /** The prod monitoring stack's alarm of that id (`chargebus-prod-<id>`). */
  const alarmNamed = (id: string): Cfn => {
    const monitoring = prod.all.find((t) => t.name.endsWith('-monitoring'))?.template
    const found = Object.values(monitoring?.findResources('AWS::CloudWatch::Alarm') ?? {}).find(
      (a: Cfn) => a.Properties.AlarmName === `chargebus-prod-${id}`,
    ) as Cfn
    if (!found) throw new Error(`no alarm ${id}`)
    return found.Properties
  }
  /** An alarm's metric-math expression and the metrics it reads ({ id: [name, dimensions, stat, period] }). */
  const mathOf = (props: Cfn) => {
    const queries = props.Metrics as Cfn[]
    const expression = queries.find((q) => q.ReturnData !== false)
    const inputs = Object.fromEntries(
      queries
        .filter((q) => q.MetricStat)
        .map((q) => [
          q.Id,
          [
            q.MetricStat.Metric.MetricName,
            Object.fromEntries(
              (q.MetricStat.Metric.Dimensions as { Name: string; Value: string }[]).map((d) => [
                d.Name,
                d.Value,
              ]),
            ),
            q.MetricStat.Stat,
            q.MetricStat.Period,
          ],
        ]),
    )
    return { expression: expression?.Expression, period: expression?.Period, inputs }
  }

  /** The EMF metric declarations of a service's metrics sidecar in prod (the CloudWatch agent's config). */
  const emfDeclarations = (service: string): unknown[] => {
    const sidecar = containers(prod).find((c) => c.stack.endsWith(`-svc-${service}`) && c.Name === 'metrics')
    if (!sidecar) throw new Error(`no metrics sidecar in the ${service} task`)
    const config = (sidecar.Environment as { Name: string; Value: unknown }[]).find(
      (e) => e.Name === 'CW_CONFIG_CONTENT',
    )?.Value as { 'Fn::Join': [string, unknown[]] }
    // The agent's JSON with the stack's region (a token) in it: the literal parts, the region as a placeholder.
    const [, parts] = config['Fn::Join']
    const agent = JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'REGION')).join(''))
    return agent.logs.metrics_collected.prometheus.emf_processor.metric_declaration
  }

  it('mirrors ChargebusConsumerBacklogGrowing: over 10,000 waiting and rising, for 10 minutes', () => {
    const props = alarmNamed('ConsumerBacklogGrowing-ingest')
    expect(mathOf(props)).toEqual({
      expression: 'IF(pending > 10000 AND DIFF(pending) > 0, 1, 0)',
      period: undefined,
      inputs: {
        pending: [
          'chargebus_bus_consumer_pending_messages',
          { stream: 'OCPP_IN', durable: 'ingest' },
          'Maximum',
          300,
        ],
      },
    })
    expect(props).toMatchObject({
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
    })
  })

  it('mirrors ChargebusStationsDroppedOffline: online below 80% of the 5 minutes before', () => {
    const props = alarmNamed('StationsDroppedOffline')
    expect(mathOf(props)).toEqual({
      expression: 'IF(online < 0.8 * (online - DIFF(online)), 1, 0)',
      period: undefined,
      inputs: { online: ['chargebus_stations', { state: 'online' }, 'Maximum', 300] },
    })
    expect(props).toMatchObject({
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
    })
  })

  it('mirrors ChargebusAggregatesRebuildFailed: the newest rebuild failed or was abandoned, at once', () => {
    const props = alarmNamed('AggregatesRebuildFailed')
    expect(mathOf(props)).toEqual({
      expression: 'MAX([FILL(failed, 0), FILL(abandoned, 0)])',
      period: undefined,
      inputs: {
        failed: ['aggregator_rebuild_last_outcome', { outcome: 'failed' }, 'Maximum', 60],
        abandoned: ['aggregator_rebuild_last_outcome', { outcome: 'abandoned' }, 'Maximum', 60],
      },
    })
    expect(props).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'notBreaching',
    })
    // The aggregator's metrics sidecar publishes the gauge with that dimension.
    expect(emfDeclarations('aggregator')).toContainEqual({
      source_labels: ['job'],
      label_matcher: '^aggregator$',
      dimensions: [['outcome']],
      metric_selectors: ['^aggregator_rebuild_last_outcome$'],
    })
  })

  it('mirrors ChargebusHttpErrorRate for the API: its own 5xx share, shed 503s counted neither way', () => {
    const props = alarmNamed('ApiErrorRate')
    expect(mathOf(props)).toEqual({
      expression: 'IF(answered + error > 30, error / (answered + error), 0)',
      period: undefined,
      inputs: {
        answered: [
          'http_request_duration_seconds_count',
          { service: 'api', outcome: 'answered' },
          'Sum',
          300,
        ],
        error: ['http_request_duration_seconds_count', { service: 'api', outcome: 'error' }, 'Sum', 300],
      },
    })
    expect(props).toMatchObject({ Threshold: 0.05, EvaluationPeriods: 2, DatapointsToAlarm: 2 })
    // The API's metrics sidecar publishes the request counts with the outcome dimension.
    expect(emfDeclarations('api')).toContainEqual({
      source_labels: ['job'],
      label_matcher: '^api$',
      dimensions: [['service', 'outcome']],
      metric_selectors: ['^http_request_duration_seconds_count$'],
    })
  })

  it('mirrors ChargebusPostgresPoolSaturated for every service with a pool, none without', () => {
    // Stated here, not read from SERVICE_SPECS: the archiver has no database.
    const withPool = ['ocpp-gateway', 'ingest', 'aggregator', 'api', 'ftp-ingest']
    for (const name of withPool)
      expect(alarmNamed(`PostgresPoolSaturated-${name}`)).toMatchObject({
        MetricName: 'chargebus_db_pool_waiting',
        Namespace: 'Chargebus/prod',
        Dimensions: [{ Name: 'service', Value: name }],
        Statistic: 'Maximum',
        Period: 60,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 5,
        DatapointsToAlarm: 5,
      })
    expect(() => alarmNamed('PostgresPoolSaturated-archiver')).toThrow('no alarm')
  })
})
