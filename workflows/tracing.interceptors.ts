/**
 * The workflows' OpenTelemetry interceptors (`@temporalio/interceptors-opentelemetry`), bundled
 * with the workflow code (scripts/bundle-workflows.mjs `workflowInterceptorModules`) and active
 * only for a workflow whose start carried a trace: one started by a traced client (the API's or
 * the worker's when tracing is on, runtime/tracing.ts), or continued as new from a traced run.
 * Any other workflow (tracing off, a schedule's) runs as if there were no interceptor: no span is
 * made and nothing goes to the worker's exporter sink.
 */
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';
import { TRACE_HEADER } from '@temporalio/interceptors-opentelemetry/lib/instrumentation';
import type { WorkflowInterceptors, WorkflowInterceptorsFactory } from '@temporalio/workflow';

type Interceptor = Record<string, (input: unknown, next: (input: unknown) => unknown) => unknown>;

/**
 * An interceptor of class `Inner`, made on its first traced call: each of its methods calls it when
 * `traced()` and goes straight to `next` otherwise, so an untraced run never makes one.
 */
function gated<T extends object>(Inner: new () => T, traced: () => boolean): T {
  let inner: Interceptor | null = null;
  const gate: Interceptor = {};
  for (const name of Object.getOwnPropertyNames(Inner.prototype)) {
    if (name === 'constructor' || typeof (Inner.prototype as Interceptor)[name] !== 'function') continue;
    gate[name] = (input, next) => {
      if (!traced()) return next(input);
      inner ??= new Inner() as unknown as Interceptor;
      return inner[name].call(inner, input, next);
    };
  }
  return gate as unknown as T;
}

/** Called once per workflow run (the SDK's factory): whether it is traced is the run's own. */
export const interceptors: WorkflowInterceptorsFactory = (): WorkflowInterceptors => {
  let traced = false;
  const isTraced = () => traced;
  const inbound = gated(OpenTelemetryInboundInterceptor, isTraced);
  return {
    inbound: [
      {
        ...inbound,
        // The run's start comes first: its headers say whether a trace goes on through it.
        execute(input, next) {
          traced = input.headers[TRACE_HEADER] !== undefined;
          return inbound.execute!(input, next);
        },
      },
    ],
    outbound: [gated(OpenTelemetryOutboundInterceptor, isTraced)],
    internals: [gated(OpenTelemetryInternalsInterceptor, isTraced)],
  };
};
