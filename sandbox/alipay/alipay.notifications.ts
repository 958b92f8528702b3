import { deliveryPlan } from '../notifier';
import { randomDigits } from '../random';
import type { SimulatorContext } from '../simulator';
import type { StoredTrade } from '../trades';
import type { AlipayAccounts } from './alipay.accounts';
import { PROVIDER, yuan, type AlipaySimTrade } from './alipay.model';
import { notificationSignContent, rsa2Sign } from './alipay.signature';
import { formatChinaTime, formatChinaTimeMillis } from './alipay.time';

/** Alipay retries an unacknowledged notification after 4m, 10m, 10m, 1h, 2h, 6h and 15h. https://opendocs.alipay.com/open/270/105902 */
export const ALIPAY_NOTIFY_RETRY_MINUTES = [4, 10, 10, 60, 120, 360, 900] as const;

/** The refund a notification announces, when it announces one. */
export interface AlipayRefundEvent {
  out_request_no: string;
  at: Date;
}

/** Alipay stops retrying only when the answer's body is `success`. https://opendocs.alipay.com/open/270/105902 */
export function alipayAcknowledges(status: number, body: string): boolean {
  return status >= 200 && status < 300 && body.trim() === 'success';
}

/** Alipay's asynchronous notifications (trade_status_sync): signed in the form body with the app's Alipay key. */
export class AlipayNotifications {
  constructor(
    private readonly context: SimulatorContext,
    private readonly accounts: AlipayAccounts,
  ) {}

  /** Sends trade_status_sync to the trade's notify_url, signed with the app's Alipay key, faults applied. */
  async notify(trade: StoredTrade<AlipaySimTrade>, refund?: AlipayRefundEvent): Promise<void> {
    const t = trade.data;
    if (!t.notify_url) return;
    const secrets = await this.accounts.get(t.app_id);
    if (!secrets) return;
    const now = new Date();
    const fields: Record<string, string> = {
      notify_time: formatChinaTime(now),
      notify_type: 'trade_status_sync',
      notify_id: `${formatChinaTime(now).slice(0, 10).replaceAll('-', '')}00222${randomDigits(21)}`,
      charset: 'utf-8',
      version: '1.0',
      sign_type: 'RSA2',
      app_id: t.app_id,
      auth_app_id: t.app_id,
      trade_no: t.trade_no,
      out_trade_no: t.out_trade_no,
      trade_status: t.trade_status,
      total_amount: yuan(t.total_fen),
      subject: t.subject,
      gmt_create: formatChinaTime(new Date(t.gmt_create)),
      seller_id: secrets.seller_id,
    };
    if (t.body) fields.body = t.body;
    if (t.gmt_payment) {
      Object.assign(fields, {
        buyer_id: t.buyer_id ?? '',
        buyer_logon_id: t.buyer_logon_id ?? '',
        receipt_amount: yuan(t.total_fen),
        invoice_amount: yuan(t.total_fen),
        buyer_pay_amount: yuan(t.total_fen),
        point_amount: '0.00',
        gmt_payment: formatChinaTime(new Date(t.gmt_payment)),
        fund_bill_list: JSON.stringify([{ amount: yuan(t.total_fen), fundChannel: 'ALIPAYACCOUNT' }]),
      });
    }
    if (t.gmt_close) fields.gmt_close = formatChinaTime(new Date(t.gmt_close));
    if (refund) {
      fields.out_biz_no = refund.out_request_no;
      fields.refund_fee = yuan(t.refunded_fen);
      fields.gmt_refund = formatChinaTimeMillis(refund.at);
    }
    const faults = this.context.faults.notifications({
      provider: PROVIDER,
      accountId: t.app_id,
      outTradeNo: t.out_trade_no,
    });
    // A genuine, correctly signed notification that disagrees with the merchant's order: only
    // the receiver's own amount check can catch it.
    if (faults.mode === 'signed_wrong_amount') fields.total_amount = yuan(t.total_fen + 100);
    const content = notificationSignContent(fields);
    fields.sign = rsa2Sign(content, secrets.platform_private_key);
    if (faults.mode === 'tamper_signature')
      fields.sign = rsa2Sign(`${content}&tampered=true`, secrets.platform_private_key);
    if (faults.mode === 'tamper_amount') fields.total_amount = yuan(t.total_fen + 100);
    await this.context.notifier.enqueue(
      {
        provider: PROVIDER,
        accountId: t.app_id,
        outTradeNo: t.out_trade_no,
        kind: `trade_status_sync:${t.trade_status}${refund ? `:refund:${refund.out_request_no}` : ''}`,
        url: t.notify_url,
        contentType: 'application/x-www-form-urlencoded; charset=utf-8',
        body: new URLSearchParams(fields).toString(),
      },
      deliveryPlan(
        faults,
        ALIPAY_NOTIFY_RETRY_MINUTES.map((minutes) => minutes * 60_000),
        this.context.timeScale,
      ),
    );
  }
}
