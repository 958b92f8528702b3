import { deliveryPlan } from '../notifier';
import type { SimulatorContext } from '../simulator';
import type { StoredTrade } from '../trades';
import type { UnionpayAccounts } from './unionpay.accounts';
import { PROVIDER, type Fields, type UnionpaySimConsume, type UnionpaySimRefund } from './unionpay.model';
import { signFields } from './unionpay.signature';
import { formatSettleDate } from './unionpay.time';

/**
 * UnionPay sends a back notification again when the merchant's answer is not HTTP 200. The waits
 * here (1, 2, 4, 8, 16 minutes, ÷ the time scale: six tries in all) are the schedule commonly
 * given for ACP; UnionPay's published 5.1.0 pages we could read do not state it, so treat the
 * exact numbers as an assumption. What UnionPay does state is the fallback: query (queryTrans)
 * when no notification arrives.
 */
export const UNIONPAY_NOTIFY_RETRY_MINUTES = [1, 2, 4, 8, 16] as const;

/** UnionPay stops sending a notification only when the answer is HTTP 200, whatever its body. */
export function unionpayAcknowledges(status: number): boolean {
  return status === 200;
}

/**
 * UnionPay's back notifications (to backUrl, signed with its certificate, retried) and the front
 * notification the shopper's browser carries to frontUrl.
 */
export class UnionpayNotifications {
  constructor(
    private readonly context: SimulatorContext,
    private readonly accounts: UnionpayAccounts,
  ) {}

  /** The signed fields the shopper's browser carries back to frontUrl after paying. */
  async frontNotification(trade: StoredTrade<UnionpaySimConsume>): Promise<Fields> {
    const platform = await this.accounts.platform();
    return signFields(
      { ...consumeNotificationFields(trade.data), signPubKeyCert: platform.sign_cert },
      platform.sign_key,
    );
  }

  async notifyConsume(trade: StoredTrade<UnionpaySimConsume>): Promise<void> {
    const t = trade.data;
    await this.send(t.mer_id, t.order_id, `consume:${t.state}`, t.back_url, consumeNotificationFields(t), 'txnAmt');
  }

  async notifyRefund(consume: UnionpaySimConsume, refund: UnionpaySimRefund): Promise<void> {
    const fields: Fields = {
      version: '5.1.0',
      encoding: 'UTF-8',
      signMethod: '01',
      bizType: '000201',
      txnType: '04',
      txnSubType: '00',
      accessType: '0',
      merId: consume.mer_id,
      orderId: refund.order_id,
      txnTime: refund.txn_time,
      txnAmt: String(refund.txn_amt),
      currencyCode: '156',
      queryId: refund.query_id,
      origQryId: consume.query_id ?? '',
      respCode: '00',
      respMsg: 'Success!',
      settleAmt: String(refund.txn_amt),
      settleCurrencyCode: '156',
      settleDate: formatSettleDate(new Date(refund.settled_at ?? Date.now())),
      traceNo: refund.trace_no ?? '',
      traceTime: refund.trace_time ?? '',
      ...(refund.req_reserved ? { reqReserved: refund.req_reserved } : {}),
    };
    await this.send(consume.mer_id, consume.order_id, `refund:${refund.order_id}`, refund.back_url, fields, 'txnAmt');
  }

  /** Signs a back notification with UnionPay's certificate, applies the faults, and queues it. */
  private async send(
    merId: string,
    orderId: string,
    kind: string,
    url: string,
    fields: Fields,
    amountField: 'txnAmt',
  ): Promise<void> {
    const platform = await this.accounts.platform();
    const faults = this.context.faults.notifications({ provider: PROVIDER, accountId: merId, outTradeNo: orderId });
    const unsigned: Fields = { ...fields, signPubKeyCert: platform.sign_cert };
    const raised = String(Number(unsigned[amountField]) + 100);
    // A genuine, correctly signed notification that disagrees with the merchant's order: only
    // the receiver's own amount check can catch it.
    if (faults.mode === 'signed_wrong_amount') unsigned[amountField] = raised;
    const signed = signFields(unsigned, platform.sign_key);
    if (faults.mode === 'tamper_signature')
      signed.signature = signFields({ ...unsigned, tampered: 'true' }, platform.sign_key).signature;
    if (faults.mode === 'tamper_amount') signed[amountField] = raised;
    await this.context.notifier.enqueue(
      {
        provider: PROVIDER,
        accountId: merId,
        outTradeNo: orderId,
        kind,
        url,
        contentType: 'application/x-www-form-urlencoded; charset=UTF-8',
        body: new URLSearchParams(signed).toString(),
      },
      deliveryPlan(
        faults,
        UNIONPAY_NOTIFY_RETRY_MINUTES.map((minutes) => minutes * 60_000),
        this.context.timeScale,
      ),
    );
  }
}

/** What UnionPay tells backUrl (and, through the browser, frontUrl) about a paid consume. */
function consumeNotificationFields(t: UnionpaySimConsume): Fields {
  return {
    version: '5.1.0',
    encoding: 'UTF-8',
    signMethod: '01',
    bizType: '000201',
    txnType: '01',
    txnSubType: '01',
    accessType: '0',
    merId: t.mer_id,
    orderId: t.order_id,
    txnTime: t.txn_time,
    txnAmt: String(t.txn_amt),
    currencyCode: '156',
    queryId: t.query_id ?? '',
    respCode: '00',
    respMsg: 'Success!',
    settleAmt: String(t.txn_amt),
    settleCurrencyCode: '156',
    settleDate: t.settle_date ?? '',
    traceNo: t.trace_no ?? '',
    traceTime: t.trace_time ?? '',
    accNo: t.acc_no ?? '',
    payCardType: '01',
    payType: '0001',
    ...(t.req_reserved ? { reqReserved: t.req_reserved } : {}),
  };
}
