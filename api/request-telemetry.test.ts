/** Requests are timed by their route's pattern, whatever ids their path carries and however they end. */
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import request from 'supertest';
import { httpRequestDuration } from './metrics';
import { requestTelemetry } from './request-telemetry';

async function countsByRoute(): Promise<Record<string, number>> {
  const { values } = await httpRequestDuration.get();
  return Object.fromEntries(
    values
      .filter((value) => value.metricName === 'tongbao_http_request_duration_seconds_count')
      .map((value) => [`${value.labels.method} ${value.labels.route} ${value.labels.status_class}`, value.value]),
  );
}

test('each request counts under its route pattern: answered, thrown, refused before its route, unmatched', async () => {
  httpRequestDuration.reset();
  const app = express();
  app.use(requestTelemetry(null));
  const routes = Router();
  routes.get('/things/:id', (_req: Request, res: Response) => {
    res.json({});
  });
  routes.post('/things/:id/break', async () => {
    await Promise.resolve();
    throw new Error('broken');
  });
  const auth = (req: Request, _res: Response, next: NextFunction) => {
    if (req.get('x-refuse')) throw Object.assign(new Error('refused'), { status: 401 });
    next();
  };
  app.use('/v1', auth, routes);
  app.use(() => {
    throw Object.assign(new Error('unknown'), { status: 404 });
  });
  // An error handler outside the router, as api/app.ts has: by then Express has reset req.baseUrl.
  app.use((error: { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    res.status(error.status ?? 500).json({});
  });

  await request(app).get('/v1/things/th_1');
  await request(app).get('/v1/things/th_2');
  await request(app).post('/v1/things/th_3/break');
  await request(app).get('/v1/things/th_4').set('x-refuse', '1');
  await request(app).get('/v1/nothing/here');

  expect(await countsByRoute()).toEqual({
    'GET /v1/things/:id 2xx': 2,
    'POST /v1/things/:id/break 5xx': 1,
    'GET unmatched 4xx': 2,
  });
});
