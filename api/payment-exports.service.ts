import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { PaymentExportSchema, type PaymentExportRow } from '../db/entities';
import { newId } from '../domain/ids';
import type { PaymentExportInput } from '../domain/payment-export';
import type { PaymentFilters } from '../domain/payment-filters';
import { MerchantIdKey } from '../domain/search-attributes';
import { paymentExportWorkflowId } from '../domain/workflow-ids';
import type { paymentExportWorkflow } from '../workflows/payment-export.workflow';
import type { ApiDeps } from './deps';
import { ConflictError, NotFoundError } from './errors';
import type { Merchant } from './payments.service';
import type { IdempotentRequest } from './request-context';

/** Chunks read per query while a file is sent: a few hundred kilobytes at a time. */
const CHUNKS_PER_READ = 5;

export function createPaymentExportsService(deps: ApiDeps) {
  const { db } = deps;

  async function find(merchant: Merchant, id: string): Promise<PaymentExportRow> {
    const exported = await db
      .fork()
      .findOne(PaymentExportSchema, { id, merchantId: merchant.id, livemode: merchant.livemode });
    if (!exported) throw new NotFoundError('payment export', id);
    return exported;
  }

  return {
    find,

    /**
     * Starts the export's workflow and stores its row, pending. The workflow stores the row too,
     * so an API that stops between the two leaves no workflow without its row; a retry with the
     * same Idempotency-Key reaches the same export.
     */
    async create(
      merchant: Merchant,
      filters: PaymentFilters,
      idempotency: Pick<IdempotentRequest, 'objectId'> | null,
    ): Promise<PaymentExportRow> {
      const id = idempotency ? await idempotency.objectId('paymentExport') : newId('paymentExport');
      const input: PaymentExportInput = {
        id,
        merchantId: merchant.id,
        livemode: merchant.livemode,
        filters,
        createdAt: new Date().toISOString(),
      };
      try {
        await deps.temporal.workflow.start<typeof paymentExportWorkflow>('paymentExportWorkflow', {
          workflowId: paymentExportWorkflowId(id),
          taskQueue: deps.temporalSettings.taskQueue,
          args: [input],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          typedSearchAttributes: [{ key: MerchantIdKey, value: merchant.id }],
        });
      } catch (error) {
        // A retry after the export was written: it is answered as it stands.
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
      await db
        .fork()
        .execute(
          `insert into payment_exports (id, merchant_id, livemode, status, filters, created_at) values (?, ?, ?, 'pending', ?, ?) on conflict (id) do nothing`,
          [id, merchant.id, merchant.livemode, JSON.stringify(filters), input.createdAt],
        );
      return find(merchant, id);
    },

    /**
     * The file of an export `findReady` found, chunk by chunk in order, read a few at a time.
     * `write` is called once per chunk and may wait (backpressure).
     */
    async sendFile(id: string, write: (csv: string) => Promise<void>): Promise<void> {
      for (let number = 0; ; number += CHUNKS_PER_READ) {
        const chunks = await db
          .fork()
          .execute<{ csv: string }[]>(
            `select csv from payment_export_chunks where export_id = ? and number >= ? and number < ? order by number`,
            [id, number, number + CHUNKS_PER_READ],
          );
        for (const chunk of chunks) await write(chunk.csv);
        if (chunks.length < CHUNKS_PER_READ) return;
      }
    },

    /** The export, if its file can be downloaded: 409 before it is ready. */
    async findReady(merchant: Merchant, id: string): Promise<PaymentExportRow> {
      const exported = await find(merchant, id);
      if (exported.status === 'ready') return exported;
      throw new ConflictError(
        exported.status === 'failed' ? 'payment_export_failed' : 'payment_export_not_ready',
        exported.status === 'failed'
          ? `Payment export ${id} failed: ${exported.failureReason ?? 'unknown reason'}. Start another.`
          : `Payment export ${id} is still being written; its status shows in GET /v1/payment_exports/${id}.`,
      );
    },
  };
}

export type PaymentExportsService = ReturnType<typeof createPaymentExportsService>;
