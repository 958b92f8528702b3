import { ActivityFailure, continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  PAYMENT_EXPORT_PAGE_SIZE,
  type PaymentExportInput,
  type PaymentExportProgress,
  type PaymentExportStatus,
} from '../domain/payment-export';
import { STORE_OPTIONS } from './activity-options';
import { historyIsLong } from './continue-as-new';

const { recordPaymentExport, completePaymentExport, failPaymentExport } = proxyActivities<Activities>(STORE_OPTIONS);

/**
 * A page reads up to a thousand payments and writes their chunk: a minute is ample. Tried for about
 * ten minutes; an export that cannot be written by then is failed and the merchant starts another.
 */
const { writePaymentExportPage } = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', maximumInterval: '1m', maximumAttempts: 15 },
});

/**
 * `payment-export/<pexp_id>`: writes a CSV of the merchant's payments that match the export's
 * filters into PostgreSQL, one page (chunk) at a time, newest first, then marks it ready. A long
 * export goes on in a new run (continue-as-new) from the page it reached.
 */
export async function paymentExportWorkflow(
  input: PaymentExportInput,
  progress: PaymentExportProgress = { number: 0, after: null },
): Promise<PaymentExportStatus> {
  const exportId = input.id;
  if (progress.number === 0) await recordPaymentExport(input);
  let { number, after } = progress;
  try {
    for (;;) {
      const page = await writePaymentExportPage({ exportId, number, after });
      if (page.last === null || page.rows < PAYMENT_EXPORT_PAGE_SIZE) break;
      after = page.last;
      number += 1;
      if (historyIsLong()) await continueAsNew<typeof paymentExportWorkflow>(input, { number, after });
    }
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    await failPaymentExport({ exportId, reason: 'The payments could not be read; start another export.' });
    return 'failed';
  }
  await completePaymentExport({ exportId });
  return 'ready';
}
