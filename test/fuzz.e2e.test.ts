/**
 * Hostile input never breaks the API: a short `npm run fuzz` (bench/fuzz/) with a fixed seed, over
 * every route, against the suite's stack. No answer ≥ 500, every error in API.md's format, the API
 * still up and the objects it must not touch unchanged; a failure prints the requests to replay.
 */
import { formatReport, runFuzz } from '../bench/fuzz/run';
import { testStack } from './stack';

const COUNT = 400;
const SEED = 20_261_203;

test(`${COUNT} mutated requests over every route: no 5xx, no malformed error`, async () => {
  const report = await runFuzz(testStack(), { count: COUNT, seed: SEED, concurrency: 4 });
  const problems = report.failures.length + report.afterRun.length;
  if (problems > 0) throw new Error(formatReport(report, COUNT));
  expect(report.requests).toBeGreaterThanOrEqual(COUNT);
  // Every route was reached, and some requests got past validation.
  expect(Object.keys(report.perRoute).length).toBeGreaterThanOrEqual(40);
  expect(report.statusClasses['2xx']).toBeGreaterThan(0);
}, 300_000);
