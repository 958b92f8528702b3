import type { PaymentFilters } from './payment-filters';

// A CSV export of a merchant's payments (POST /v1/payment_exports): its workflow writes the file in
// pages into PostgreSQL, and the API serves it once ready.

export const PAYMENT_EXPORT_STATUSES = ['pending', 'ready', 'failed'] as const;
export type PaymentExportStatus = (typeof PAYMENT_EXPORT_STATUSES)[number];

/** Payments per page: each page is one activity and one stored chunk of the file. */
export const PAYMENT_EXPORT_PAGE_SIZE = 1000;

/** What the export's workflow is started with: everything its row holds when made. */
export interface PaymentExportInput {
  id: string;
  merchantId: string;
  livemode: boolean;
  filters: PaymentFilters;
  createdAt: string;
}

/** Where a run of the workflow goes on from (a run continued as new). */
export interface PaymentExportProgress {
  /** The next chunk's number (0 for the first). */
  number: number;
  /** The last payment written, or null before the first page. */
  after: string | null;
}

export const PAYMENT_EXPORT_COLUMNS = [
  'id',
  'created',
  'status',
  'amount',
  'currency',
  'channel',
  'provider',
  'merchant_order_no',
  'provider_trade_no',
  'customer',
  'amount_refunded',
] as const;

/** One payment as the export writes it; amounts in minor units (fen), as the API gives them. */
export type PaymentExportRow = Record<(typeof PAYMENT_EXPORT_COLUMNS)[number], string | number | null>;

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, a quote, a line break or edge spaces, with
 * quotes doubled. A text starting with = + - @ (or a tab or carriage return) gets a leading `'` so
 * that a spreadsheet shows it instead of running it as a formula (OWASP "CSV injection").
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV line, ended by CRLF as RFC 4180 says. */
export function csvLine(values: readonly (string | number | null)[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

/** The file's first line. */
export const PAYMENT_EXPORT_HEADER = csvLine(PAYMENT_EXPORT_COLUMNS);

export function paymentCsvLine(row: PaymentExportRow): string {
  return csvLine(PAYMENT_EXPORT_COLUMNS.map((column) => row[column]));
}
