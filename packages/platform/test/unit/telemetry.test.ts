import { trace } from '@opentelemetry/api'
import { ConfigError, startTelemetry } from '../../src/index.ts'

// Turning tracing on is tested in a real process (test/integration/telemetry.test.ts): jest's module
// loader bypasses the hooks auto-instrumentation relies on.
describe('startTelemetry', () => {
  test('is off without an endpoint: no SDK, spans are no-ops', async () => {
    const telemetry = await startTelemetry({ serviceName: 'test', env: {} })
    expect(telemetry.enabled).toBe(false)
    const span = trace.getTracer('test').startSpan('work')
    expect(span.isRecording()).toBe(false)
    expect(span.spanContext().traceId).toBe('00000000000000000000000000000000')
    span.end()
    await expect(telemetry.shutdown()).resolves.toBeUndefined()
  })

  test('OTEL_SDK_DISABLED wins over an endpoint', async () => {
    const telemetry = await startTelemetry({
      serviceName: 'test',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' },
    })
    expect(telemetry.enabled).toBe(false)
  })

  test('rejects bad OTEL_* values with one line each', async () => {
    await expect(
      startTelemetry({
        serviceName: 'test',
        env: {
          OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
          OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
          OTEL_TRACES_SAMPLER_ARG: '10%',
        },
      }),
    ).rejects.toThrow(
      new ConfigError([
        {
          variable: 'OTEL_EXPORTER_OTLP_ENDPOINT',
          expected: 'an http:// or https:// URL',
          got: 'collector:4318',
        },
        { variable: 'OTEL_EXPORTER_OTLP_PROTOCOL', expected: 'one of http/protobuf, http/json', got: 'grpc' },
        { variable: 'OTEL_TRACES_SAMPLER_ARG', expected: 'a number from 0 to 1', got: '10%' },
      ]),
    )
  })
})
