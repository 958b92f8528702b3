import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { ProviderName } from '../domain/payment';
import type { reconciliationWorkflow } from '../workflows/reconciliation.workflow';
import { reconciliationScheduleId } from '../domain/workflow-ids';
import { MerchantIdKey, ProviderKey } from '../domain/search-attributes';

/** A provider account as its schedule needs it. */
export interface ScheduledAccount {
  id: string;
  merchantId: string;
  provider: ProviderName;
}

/**
 * Makes sure the provider account has its daily reconciliation: at 10:30 China time, when all
 * three providers have published the day before's statement (Alipay and UnionPay from 09:00,
 * WeChat Pay from 10:00). Written as 02:30 UTC: China keeps no daylight saving time, and the
 * schedule then needs no time-zone database on the server. Creating it again changes nothing.
 */
export async function ensureReconciliationSchedule(
  client: Client,
  taskQueue: string,
  account: ScheduledAccount,
): Promise<void> {
  try {
    await client.schedule.create<typeof reconciliationWorkflow>({
      scheduleId: reconciliationScheduleId(account.id),
      spec: { calendars: [{ hour: 2, minute: 30, comment: '10:30 in China: reconcile the day before' }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'reconciliationWorkflow',
        workflowId: reconciliationScheduleId(account.id),
        taskQueue,
        args: [{ providerAccountId: account.id, date: null }],
        typedSearchAttributes: [
          { key: MerchantIdKey, value: account.merchantId },
          { key: ProviderKey, value: account.provider },
        ],
      },
      // A day missed while the cluster was down is still reconciled when it comes back.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
}
