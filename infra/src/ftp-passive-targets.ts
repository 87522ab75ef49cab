import {
  Duration,
  type aws_ecs as ecs,
  type aws_elasticloadbalancingv2 as elbv2,
  aws_events as events,
  aws_events_targets as eventsTargets,
  aws_iam as iam,
  aws_lambda as lambda,
  type aws_logs as logs,
  Stack,
} from 'aws-cdk-lib'
import { Construct } from 'constructs'

// ECS attaches at most 5 target groups to a service, and passive FTP needs 20 listeners: this function
// registers the FTP task's IP in every passive-port target group when it runs and deregisters it when it stops.
const HANDLER = `
const { ElasticLoadBalancingV2Client, RegisterTargetsCommand, DeregisterTargetsCommand } =
  require('@aws-sdk/client-elastic-load-balancing-v2')
const elb = new ElasticLoadBalancingV2Client({})
const groups = JSON.parse(process.env.TARGET_GROUPS)
exports.handler = async (event) => {
  const d = event.detail
  const ip = (d.attachments || []).flatMap((a) => a.details || []).find((x) => x.name === 'privateIPv4Address')
  if (!ip) return
  const register = d.lastStatus === 'RUNNING' && d.desiredStatus === 'RUNNING'
  if (!register && d.desiredStatus !== 'STOPPED') return
  for (const g of groups) {
    const input = { TargetGroupArn: g.arn, Targets: [{ Id: ip.value, Port: g.port }] }
    await elb.send(register ? new RegisterTargetsCommand(input) : new DeregisterTargetsCommand(input))
  }
}
`

export type FtpPassiveTargetsProps = {
  cluster: ecs.ICluster
  service: ecs.FargateService
  targetGroups: { group: elbv2.NetworkTargetGroup; port: number }[]
  logGroup: logs.ILogGroup
}

/** Keeps the passive-port target groups pointing at the running FTP task (ECS task state events). */
export class FtpPassiveTargets extends Construct {
  constructor(scope: Construct, id: string, props: FtpPassiveTargetsProps) {
    super(scope, id)
    const fn = new lambda.Function(this, 'Register', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline(HANDLER),
      timeout: Duration.seconds(30),
      logGroup: props.logGroup,
      environment: {
        TARGET_GROUPS: Stack.of(this).toJsonString(
          props.targetGroups.map((t) => ({ arn: t.group.targetGroupArn, port: t.port })),
        ),
      },
    })
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'],
        resources: props.targetGroups.map((t) => t.group.targetGroupArn),
      }),
    )
    new events.Rule(this, 'TaskStateChange', {
      eventPattern: {
        source: ['aws.ecs'],
        detailType: ['ECS Task State Change'],
        detail: {
          clusterArn: [props.cluster.clusterArn],
          group: [`service:${props.service.serviceName}`],
        },
      },
      targets: [new eventsTargets.LambdaFunction(fn, { retryAttempts: 8 })],
    })
  }
}
