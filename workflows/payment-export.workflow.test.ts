/**
 * The payment export workflow's paging, on a Temporal server of its own, with the activities
 * replaced by a store of the test's making: the workflow's decisions are under test here (which
 * page next, when the file is whole, what a failed page does); the real activities and SQL are
 * covered by test/console-reports.e2e.test.ts.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { Activities } from '../activities';
import { PAYMENT_EXPORT_PAGE_SIZE } from '../domain/payment-export';
import type { paymentExportWorkflow } from './payment-export.workflow';
import { startTestTemporal } from './workflow.testing';

const TASK_QUEUE = 'payment-export-workflow-test';

/** One export as the store sees it: how many payments match, and what became of it. */
interface ExportStory {
  payments: number;
  /** A page that fails for good (a bug, a dropped table), or never. */
  failingPage: number | null;
  pages: { number: number; after: string | null }[];
  recorded: number;
  outcome: 'ready' | 'failed' | null;
}

const stories = new Map<string, ExportStory>();
const story = (id: string): ExportStory => {
  const found = stories.get(id);
  if (!found) throw new Error(`no story for ${id}`);
  return found;
};

type ExportActivities = Pick<
  Activities,
  'recordPaymentExport' | 'writePaymentExportPage' | 'completePaymentExport' | 'failPaymentExport'
>;

const activities: ExportActivities = {
  async recordPaymentExport(input) {
    story(input.id).recorded += 1;
  },
  async writePaymentExportPage({ exportId, number, after }) {
    const exported = story(exportId);
    exported.pages.push({ number, after });
    if (number === exported.failingPage) throw ApplicationFailure.nonRetryable('relation does not exist', 'Store');
    // Payments are numbered 1… newest first; `after` names the last one written.
    const start = after === null ? 0 : Number(after.slice('pay_'.length));
    const rows = Math.max(0, Math.min(PAYMENT_EXPORT_PAGE_SIZE, exported.payments - start));
    return { rows, last: rows > 0 ? `pay_${start + rows}` : null };
  },
  async completePaymentExport({ exportId }) {
    story(exportId).outcome = 'ready';
  },
  async failPaymentExport({ exportId }) {
    story(exportId).outcome = 'failed';
  },
};

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let count = 0;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  env = await startTestTemporal();
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowsPath: require.resolve('./payment-export.workflow'),
    activities,
  });
  running = worker.run();
}, 60_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

async function run(payments: number, failingPage: number | null = null) {
  const id = `pexp_test${process.pid}x${++count}`;
  const exported: ExportStory = { payments, failingPage, pages: [], recorded: 0, outcome: null };
  stories.set(id, exported);
  const handle = await env.client.workflow.start<typeof paymentExportWorkflow>('paymentExportWorkflow', {
    workflowId: `payment-export/${id}`,
    taskQueue: TASK_QUEUE,
    args: [{ id, merchantId: 'mer_test', livemode: false, filters: {}, createdAt: new Date().toISOString() }],
  });
  return { status: await handle.result(), exported };
}

test('when the payments fill two pages and part of a third, each page starts after the last payment written', async () => {
  const { status, exported } = await run(2 * PAYMENT_EXPORT_PAGE_SIZE + 5);
  expect(status).toBe('ready');
  expect(exported).toMatchObject({ recorded: 1, outcome: 'ready' });
  expect(exported.pages).toEqual([
    { number: 0, after: null },
    { number: 1, after: `pay_${PAYMENT_EXPORT_PAGE_SIZE}` },
    { number: 2, after: `pay_${2 * PAYMENT_EXPORT_PAGE_SIZE}` },
  ]);
});

test('when exactly a page matches, one empty page more tells the file is whole', async () => {
  const { exported } = await run(PAYMENT_EXPORT_PAGE_SIZE);
  expect(exported.pages.map((page) => page.number)).toEqual([0, 1]);
  expect(exported.outcome).toBe('ready');
});

test('when nothing matches, the file is its header alone and ready', async () => {
  const { status, exported } = await run(0);
  expect(status).toBe('ready');
  expect(exported.pages).toEqual([{ number: 0, after: null }]);
});

test('when a page fails for good, the export is failed and never marked ready', async () => {
  const { status, exported } = await run(3 * PAYMENT_EXPORT_PAGE_SIZE, 1);
  expect(status).toBe('failed');
  expect(exported.outcome).toBe('failed');
  expect(exported.pages.map((page) => page.number)).toEqual([0, 1]);
});
