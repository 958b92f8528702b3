import { SpanKind, SpanStatusCode, context, propagation, trace, type Tracer } from '@opentelemetry/api';
import type { NextFunction, Request, Response } from 'express';
import { httpRequestDuration } from './metrics';

/**
 * Times every request by its route's pattern (`/v1/payments/:id`, never the raw path: one series
 * per route, however many ids) and, when tracing is on, runs it in a server span that the
 * Temporal client's spans, and through them the workflow's, hang under. A traceparent header the
 * caller sent (the web app, a merchant's traced client) is the span's parent.
 */
export function requestTelemetry(tracer: Tracer | null) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    const route = watchRoute(req);
    const span = tracer
      ? tracer.startSpan(
          `${req.method} request`,
          { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method } },
          propagation.extract(context.active(), req.headers),
        )
      : null;
    res.once('finish', () => {
      httpRequestDuration.observe(
        { method: req.method, route: route.pattern, status_class: `${Math.floor(res.statusCode / 100)}xx` },
        (performance.now() - started) / 1000,
      );
      if (span) {
        span.updateName(`${req.method} ${route.pattern}`);
        span.setAttributes({ 'http.route': route.pattern, 'http.response.status_code': res.statusCode });
        if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      }
    });
    if (span) context.with(trace.setSpan(context.active(), span), next);
    else next();
  };
}

/**
 * The pattern of the route that answers: its router's mount path and its own path, taken when
 * Express sets `req.route` (by then an error handler outside the router sees the mount path reset).
 * `unmatched` when no route did (a 404, a request refused before its route: auth, admission).
 */
function watchRoute(req: Request): { readonly pattern: string } {
  let route: unknown;
  let pattern = 'unmatched';
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set(value: { path?: unknown } | undefined) {
      route = value;
      const path = Array.isArray(value?.path) ? value.path.join('|') : value?.path;
      if (typeof path === 'string') pattern = `${req.baseUrl}${path}` || '/';
    },
  });
  return {
    get pattern() {
      return pattern;
    },
  };
}
