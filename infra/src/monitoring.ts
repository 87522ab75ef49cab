import {
  aws_cloudwatch_actions as actions,
  CfnOutput,
  aws_cloudwatch as cloudwatch,
  Duration,
  type aws_ecs as ecs,
  aws_sns as sns,
} from 'aws-cdk-lib'
import { Construct } from 'constructs'
import { SERVICE_NAMES, type ServiceName } from './environments.ts'
import {
  ARCHIVED_STREAMS,
  CONSUMERS,
  type ExportedMetric,
  metricNamespace,
  STREAMS,
} from './metric-catalog.ts'
import { SERVICE_SPECS } from './service-specs.ts'
import { consumerLag } from './service-stack.ts'

export type MonitoringProps = {
  envName: string
  services: Record<ServiceName, { service: ecs.FargateService }>
}

/**
 * The CloudWatch twin of docker/grafana/dashboards/chargebus-overview.json and docker/prometheus/alerts*.yml:
 * the same figures from the same Prometheus metrics (EMF, via the metrics sidecar), alarms on the same
 * thresholds, every alarm to one SNS topic.
 */
export class Monitoring extends Construct {
  readonly topic: sns.Topic
  readonly alarms: cloudwatch.Alarm[] = []
  readonly dashboard: cloudwatch.Dashboard

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id)
    const ns = metricNamespace(props.envName)
    const m = (
      name: ExportedMetric,
      dimensionsMap: Record<string, string>,
      statistic = 'Maximum',
      minutes = 1,
    ) =>
      new cloudwatch.Metric({
        namespace: ns,
        metricName: name,
        dimensionsMap,
        statistic,
        period: Duration.minutes(minutes),
      })
    this.topic = new sns.Topic(this, 'Alarms', { displayName: `Chargebus ${props.envName} alarms` })
    new CfnOutput(this, 'AlarmTopic', { value: this.topic.topicArn })
    const alarm = (
      id: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      minutes: number,
      description: string,
      op = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    ) => {
      const a = new cloudwatch.Alarm(this, id, {
        alarmName: `chargebus-${props.envName}-${id}`,
        metric,
        threshold,
        comparisonOperator: op,
        evaluationPeriods: minutes,
        datapointsToAlarm: minutes,
        // Missing data is "no news" except where absence itself is the failure (service down below).
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      })
      a.addAlarmAction(new actions.SnsAction(this.topic))
      this.alarms.push(a)
      return a
    }

    // ChargebusConsumerLagging: oldest unacked message older than 5 minutes, for 5 minutes.
    const consumers = Object.entries(CONSUMERS).flatMap(([service, list]) =>
      list.map((c) => ({ service, ...c })),
    )
    for (const c of consumers) {
      alarm(
        `ConsumerLagging-${c.durable}`,
        m('chargebus_bus_consumer_lag_seconds', { stream: c.stream, durable: c.durable }),
        300,
        5,
        `${c.durable} on ${c.stream} is more than 5 minutes behind (docker/prometheus/alerts-platform.yml ChargebusConsumerLagging)`,
      )
    }
    // ChargebusConsumerBacklogGrowing: over 10,000 messages waiting and more than 5 minutes before, for 10
    // minutes (two 5-minute points; the rule's deriv over 10 minutes > 0).
    for (const c of consumers) {
      const rising = new cloudwatch.MathExpression({
        expression: 'IF(pending > 10000 AND DIFF(pending) > 0, 1, 0)',
        usingMetrics: {
          pending: m(
            'chargebus_bus_consumer_pending_messages',
            { stream: c.stream, durable: c.durable },
            'Maximum',
            5,
          ),
        },
        label: `${c.durable} backlog over 10,000 and growing`,
        period: Duration.minutes(5),
      })
      alarm(
        `ConsumerBacklogGrowing-${c.durable}`,
        rising,
        0,
        2,
        `More than 10,000 messages wait for ${c.durable} on ${c.stream} and the number keeps rising (ChargebusConsumerBacklogGrowing)`,
      )
    }
    // ChargebusDeadLettersGrowing and ChargebusConsumerRedelivering, per consuming service.
    for (const service of Object.keys(CONSUMERS)) {
      alarm(
        `DeadLettersGrowing-${service}`,
        m('chargebus_bus_consumed_total', { service, outcome: 'dead-lettered' }, 'Sum', 15),
        0,
        1,
        `${service} dead-lettered messages in the last 15 minutes: pnpm chargebus dlq list`,
      )
      alarm(
        `ConsumerRedelivering-${service}`,
        m('chargebus_bus_redeliveries_total', { service }, 'Sum', 5),
        300,
        2,
        `${service} redelivers more than 1 message/s for 10 minutes`,
      )
    }
    // ChargebusStreamNearFull: above 80% of a limit for 10 minutes (discard: old drops the oldest at 100%).
    for (const stream of STREAMS) {
      alarm(
        `StreamNearFull-${stream}`,
        m('chargebus_bus_stream_usage_ratio', { stream }),
        0.8,
        10,
        `${stream} above 80% of its limit: check the archive and BUS_STREAM_${stream}_MAX_BYTES`,
      )
    }
    // ChargebusArchiveFallingBehind / ChargebusArchiveLosing.
    for (const stream of ARCHIVED_STREAMS) {
      const ratio = m('chargebus_archive_unarchived_ratio', { stream })
      alarm(
        `ArchiveFallingBehind-${stream}`,
        ratio,
        0.5,
        5,
        `${stream}: unarchived share above 0.5 for 5 minutes`,
      )
      alarm(
        `ArchiveLosing-${stream}`,
        ratio,
        1,
        1,
        `${stream}: messages may age out before they are archived`,
        cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      )
    }
    // ChargebusGatewayFaultRate: more than 5% of station requests answered with a fault, for 10 minutes.
    const outcome = (o: string) => m('ocpp_gateway_requests_total', { outcome: o }, 'Sum', 5)
    const faultShare = new cloudwatch.MathExpression({
      expression: 'IF(answered + duplicate + fault > 30, fault / (answered + duplicate + fault), 0)',
      usingMetrics: {
        answered: outcome('answered'),
        duplicate: outcome('duplicate'),
        fault: outcome('fault'),
      },
      label: 'gateway fault share',
      period: Duration.minutes(5),
    })
    alarm('GatewayFaultRate', faultShare, 0.05, 2, 'More than 5% of station requests get a SOAP fault')
    // ChargebusStationsOffline: more than 10% of the stations heard from are offline, for 15 minutes.
    const stations = (state: string) => m('chargebus_stations', { state }, 'Maximum', 5)
    const offlineShare = new cloudwatch.MathExpression({
      expression: 'offline / MAX([online + offline, 1])',
      usingMetrics: { online: stations('online'), offline: stations('offline') },
      label: 'stations offline share',
      period: Duration.minutes(5),
    })
    alarm('StationsOffline', offlineShare, 0.1, 3, 'More than 10% of the stations heard from are offline')
    // ChargebusStationsDroppedOffline compares with the peak of an hour that ended 15 minutes ago; metric math
    // has no time offset, so this compares each 5-minute window with the one before: a drop of over 20% within
    // about 10 minutes (a whole window below: the rule's `for: 5m`). A slow slide is StationsOffline's.
    const online = stations('online')
    const dropped = new cloudwatch.MathExpression({
      expression: 'IF(online < 0.8 * (online - DIFF(online)), 1, 0)',
      usingMetrics: { online },
      label: 'stations online fell below 80% of the previous 5 minutes',
      period: Duration.minutes(5),
    })
    alarm(
      'StationsDroppedOffline',
      dropped,
      0,
      1,
      'Stations online fell below 80% of the 5 minutes before: the gateway, its load balancer or a network is failing stations (docker/prometheus/alerts-platform.yml ChargebusStationsDroppedOffline)',
    )

    // ChargebusPostgresPoolSaturated: queries of a service wait for a pool connection for 5 minutes.
    for (const name of SERVICE_NAMES.filter((n) => SERVICE_SPECS[n].database)) {
      alarm(
        `PostgresPoolSaturated-${name}`,
        m('chargebus_db_pool_waiting', { service: name }),
        0,
        5,
        `Queries of ${name} have waited for a Postgres connection for 5 minutes: slow queries, pgbouncer's pool, then DATABASE_POOL_SIZE (ChargebusPostgresPoolSaturated)`,
      )
    }

    // ChargebusAggregatesRebuildFailed: the newest recorded rebuild failed or was abandoned, at once (the rule's
    // `for: 0m`). The gauge has a series only for the newest rebuild's outcome, so FILL makes "none" a 0: the alarm
    // clears when the next rebuild starts. Maximum over the aggregator's replicas, which all read the same row.
    const lastOutcome = (o: string) => m('aggregator_rebuild_last_outcome', { outcome: o })
    const rebuildEnded = new cloudwatch.MathExpression({
      expression: 'MAX([FILL(failed, 0), FILL(abandoned, 0)])',
      usingMetrics: { failed: lastOutcome('failed'), abandoned: lastOutcome('abandoned') },
      label: 'newest aggregates rebuild failed or abandoned',
      period: Duration.minutes(1),
    })
    alarm(
      'AggregatesRebuildFailed',
      rebuildEnded,
      1,
      1,
      "The last `chargebus aggregates rebuild` failed or was abandoned (no heartbeat for 60 s); the live rollups go on. Why: error_code on the aggregator's /metrics (aggregator_rebuild_last_outcome) or the aggregate_rebuilds row (runner: host:pid), then run it again (docker/prometheus/alerts-platform.yml ChargebusAggregatesRebuildFailed)",
      cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    )

    // ChargebusHttpErrorRate for the API: its own request counts by outcome, so shed 503s (the in-flight cap's, a
    // shutdown's: back-pressure) count neither way; the ALB's target 5xx count cannot tell them from genuine ones.
    const answers = (service: ServiceName, o: string) =>
      m('http_request_duration_seconds_count', { service, outcome: o }, 'Sum', 5)
    const apiErrorShare = new cloudwatch.MathExpression({
      expression: 'IF(answered + error > 30, error / (answered + error), 0)',
      usingMetrics: { answered: answers('api', 'answered'), error: answers('api', 'error') },
      label: 'API server error share (sheds excluded)',
      period: Duration.minutes(5),
    })
    alarm(
      'ApiErrorRate',
      apiErrorShare,
      0.05,
      2,
      'More than 5% of the API requests handled end in a 5xx; shed 503s (HTTP_MAX_IN_FLIGHT, a shutdown) are not counted (docker/prometheus/alerts-platform.yml ChargebusHttpErrorRate)',
    )
    for (const name of SERVICE_NAMES) {
      const running = new cloudwatch.Metric({
        namespace: 'ECS/ContainerInsights',
        metricName: 'RunningTaskCount',
        dimensionsMap: {
          ClusterName: props.services[name].service.cluster.clusterName,
          ServiceName: props.services[name].service.serviceName,
        },
        statistic: 'Minimum',
        period: Duration.minutes(1),
      })
      const down = alarm(
        `ServiceDown-${name}`,
        running,
        1,
        2,
        `${name} has no running task`,
        cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      )
      ;(down.node.defaultChild as cloudwatch.CfnAlarm).treatMissingData = 'breaching'
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `chargebus-${props.envName}`,
      defaultInterval: Duration.hours(3),
    })
    const graph = (title: string, left: cloudwatch.IMetric[], width = 8) =>
      new cloudwatch.GraphWidget({ title, left, width, height: 6 })
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({ markdown: '## Gateway (OCPP SOAP edge)', width: 24, height: 1 }),
      graph('Station requests by outcome', ['answered', 'duplicate', 'fault'].map(outcome)),
      graph('Gateway fault share', [faultShare]),
      graph('Stations', ['online', 'offline', 'never_seen'].map(stations)),
      new cloudwatch.TextWidget({ markdown: '## Bus (NATS JetStream)', width: 24, height: 1 }),
      graph(
        'Consumer lag (messages)',
        Object.keys(CONSUMERS).map((s) => consumerLag(props.envName, s as ServiceName)),
      ),
      graph(
        'Consumer lag (seconds)',
        consumers.map((c) =>
          m('chargebus_bus_consumer_lag_seconds', { stream: c.stream, durable: c.durable }),
        ),
      ),
      graph(
        'Stream usage against limits',
        STREAMS.map((s) => m('chargebus_bus_stream_usage_ratio', { stream: s })),
      ),
      graph('Dead letters (DLQ size)', [m('chargebus_bus_stream_messages', { stream: 'DEAD_LETTERS' })]),
      graph(
        'Consumes by service and outcome',
        Object.keys(CONSUMERS).flatMap((service) =>
          ['acked', 'retried', 'dead-lettered'].map((o) =>
            m('chargebus_bus_consumed_total', { service, outcome: o }, 'Sum'),
          ),
        ),
      ),
      graph(
        'Archive: unarchived share of the limit',
        ARCHIVED_STREAMS.map((s) => m('chargebus_archive_unarchived_ratio', { stream: s })),
      ),
      graph('Aggregates rebuild: last outcome failed or abandoned', ['failed', 'abandoned'].map(lastOutcome)),
      new cloudwatch.TextWidget({ markdown: '## Services, Postgres pools', width: 24, height: 1 }),
      graph('API server error share (sheds excluded)', [apiErrorShare]),
      graph(
        'Shed answers by service (503, back-pressure)',
        SERVICE_NAMES.map((service) => answers(service, 'shed')),
      ),
      graph(
        'Queries waiting for a connection',
        SERVICE_NAMES.map((service) => m('chargebus_db_pool_waiting', { service })),
      ),
      graph(
        'Running tasks',
        SERVICE_NAMES.map(
          (name) =>
            new cloudwatch.Metric({
              namespace: 'ECS/ContainerInsights',
              metricName: 'RunningTaskCount',
              dimensionsMap: {
                ClusterName: props.services[name].service.cluster.clusterName,
                ServiceName: props.services[name].service.serviceName,
              },
              statistic: 'Minimum',
            }),
        ),
      ),
      graph(
        'CPU by service',
        SERVICE_NAMES.map((name) => props.services[name].service.metricCpuUtilization({ label: name })),
      ),
    )
  }
}
