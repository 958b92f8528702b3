/**
 * OpenTelemetry traces, exported over OTLP/HTTP when an endpoint is configured (AppConfig's
 * `otlpTracesUrl`) and off otherwise. Off, nothing is registered: `@opentelemetry/api`'s tracer is
 * its no-op one, the Temporal interceptors are not installed, and no span is ever made.
 *
 * On, one trace follows a request: the API's span for the HTTP request (api/request-telemetry.ts),
 * the Temporal client's start or update (`@temporalio/interceptors-opentelemetry`, which carries the
 * context in the workflow's headers), the workflow's own spans, its activities', and the provider
 * calls they make (`providerCallSpan`).
 */
import { SpanKind, SpanStatusCode, trace, type Attributes, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

/** The process's tracing once started: what the worker hands the workflows' exporter too. */
export interface Tracing {
  tracer: Tracer;
  processor: SpanProcessor;
  resource: Resource;
  /** Exports what is still buffered; call before the process exits. */
  shutdown(): Promise<void>;
}

/**
 * Starts tracing for `serviceName` (`tongbao-api`, `tongbao-worker`) when `otlpTracesUrl` is set,
 * else returns null. Spans are batched (OTEL_BSP_* tune the batch) and sent to the URL with
 * OTEL_EXPORTER_OTLP_HEADERS, if any (a collector's token).
 */
export function startTracing(serviceName: string, otlpTracesUrl: string | null): Tracing | null {
  if (!otlpTracesUrl) return null;
  const resource = new Resource({ 'service.name': serviceName });
  const processor = new BatchSpanProcessor(new OTLPTraceExporter({ url: otlpTracesUrl }));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  // The global provider, an AsyncLocalStorage context manager and the W3C trace-context propagator.
  provider.register();
  return { tracer: trace.getTracer('tongbao'), processor, resource, shutdown: () => provider.shutdown() };
}

/** Runs `run` in a span of its own, a child of the active one; an error marks the span and is rethrown. */
export function inSpan<T>(
  tracer: Tracer,
  name: string,
  options: { kind?: SpanKind; attributes?: Attributes },
  run: () => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, options, async (span) => {
    try {
      return await run();
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : undefined });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** A provider call's span: `provider alipay.queryPayment`, a client span (it leaves the process). */
export function providerCallSpan<T>(
  tracer: Tracer,
  call: { provider: string; operation: string },
  run: () => Promise<T>,
): Promise<T> {
  return inSpan(
    tracer,
    `provider ${call.provider}.${call.operation}`,
    { kind: SpanKind.CLIENT, attributes: { 'tongbao.provider': call.provider, 'tongbao.operation': call.operation } },
    run,
  );
}
