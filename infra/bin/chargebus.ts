// The CDK app (cdk.json runs it): every stack of the environment named by `-c env=dev|staging|prod`.
import { App } from 'aws-cdk-lib'
import { buildStacks } from '../src/app.ts'
import { ContextError } from '../src/context.ts'

const app = new App()
try {
  buildStacks(app)
} catch (err) {
  if (!(err instanceof ContextError)) throw err
  // One line naming the missing or bad context value, like the services' config errors.
  console.error(`infra: ${err.message}`)
  process.exit(2)
}
app.synth()
