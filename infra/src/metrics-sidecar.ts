import { aws_ecs as ecs, type aws_logs as logs } from 'aws-cdk-lib'
import { EXPORTED_METRICS, metricNamespace } from './metric-catalog.ts'

/**
 * The CloudWatch agent, pinned to a release tag (the stable release named by the agent operator's versions.txt,
 * aws/amazon-cloudwatch-agent-operator): a sidecar image that moves under a running service is a change nobody
 * reviewed. No registry was reachable where this was written, so neither the tag's presence on public.ecr.aws
 * nor a digest was checked (infra/README.md, "Metrics"). The infra tests refuse `latest` and untagged images.
 */
export const CLOUDWATCH_AGENT_IMAGE = 'public.ecr.aws/cloudwatch-agent/cloudwatch-agent:1.300045.0b810'

/**
 * Adds the CloudWatch agent as a sidecar that scrapes the service's own /metrics on localhost every 30 s and
 * writes the catalogued metrics as EMF log events into `metricsLogGroup`; CloudWatch turns them into metrics
 * in `Chargebus/<env>`. The services need no AWS code: they keep exporting Prometheus text.
 */
export function addMetricsSidecar(
  task: ecs.FargateTaskDefinition,
  opts: {
    envName: string
    service: string
    port: number
    metricsLogGroup: logs.ILogGroup
    logGroup: logs.ILogGroup
  },
): ecs.ContainerDefinition {
  const prometheus = [
    'global: { scrape_interval: 30s, scrape_timeout: 10s }',
    'scrape_configs:',
    `  - job_name: ${opts.service}`,
    '    static_configs:',
    `      - targets: ['127.0.0.1:${opts.port}']`,
    `        labels: { service: ${opts.service} }`,
    '',
  ].join('\n')
  const agent = {
    agent: { region: task.stack.region },
    logs: {
      metrics_collected: {
        prometheus: {
          log_group_name: opts.metricsLogGroup.logGroupName,
          prometheus_config_path: 'env:PROMETHEUS_CONFIG_CONTENT',
          emf_processor: {
            metric_namespace: metricNamespace(opts.envName),
            metric_declaration: EXPORTED_METRICS.map((m) => ({
              source_labels: ['job'],
              label_matcher: `^${opts.service}$`,
              dimensions: [[...m.dimensions]],
              metric_selectors: [`^${m.name}$`],
            })),
          },
        },
      },
      force_flush_interval: 5,
    },
  }
  opts.metricsLogGroup.grantWrite(task.taskRole)
  return task.addContainer('metrics', {
    image: ecs.ContainerImage.fromRegistry(CLOUDWATCH_AGENT_IMAGE),
    // Metrics are not worth restarting the service for.
    essential: false,
    cpu: 64,
    memoryReservationMiB: 128,
    environment: { CW_CONFIG_CONTENT: JSON.stringify(agent), PROMETHEUS_CONFIG_CONTENT: prometheus },
    logging: ecs.LogDrivers.awsLogs({ logGroup: opts.logGroup, streamPrefix: 'metrics' }),
  })
}
