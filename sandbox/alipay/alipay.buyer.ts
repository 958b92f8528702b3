import { ControlConflictError, ControlNotFoundError } from '../errors';
import { randomDigits } from '../random';
import type { SimulatorContext } from '../simulator';
import type { PayOutcome, StoredTrade, TradeKey } from '../trades';
import { PROVIDER, yuan, type AlipaySandboxSecrets, type AlipaySimTrade } from './alipay.model';
import type { AlipayNotifications } from './alipay.notifications';
import { notificationSignContent, rsa2Sign } from './alipay.signature';
import { formatChinaTime } from './alipay.time';
import type { AlipayTrades } from './alipay.trades';

/** The cashier page.pay / wap.pay send the shopper's browser to. */
export const cashierUrl = (publicUrl: string, token: string): string =>
  `${publicUrl}/alipay/cashier/${encodeURIComponent(token)}`;

/** What the precreate QR code holds (Alipay's is `https://qr.alipay.com/…`, opened by the Alipay app). */
export const qrUrl = (publicUrl: string, token: string): string =>
  `${publicUrl}/alipay/qr/${encodeURIComponent(token)}`;

/** The buyer: scanning the QR code, paying or failing at the cashier, and the signed return to the merchant. */
export class AlipayBuyer {
  constructor(
    private readonly context: SimulatorContext,
    private readonly trades: AlipayTrades,
    private readonly notifications: AlipayNotifications,
  ) {}

  /** The buyer scanned the QR code: from now on the trade exists for query and close. */
  async scan(trade: StoredTrade<AlipaySimTrade>): Promise<StoredTrade<AlipaySimTrade>> {
    if (trade.data.buyer_opened) return trade;
    const now = new Date();
    return this.context.trades.change<AlipaySimTrade, StoredTrade<AlipaySimTrade>>(trade, (current) => {
      if (!current) throw new ControlNotFoundError('trade vanished');
      if (current.data.buyer_opened || current.data.trade_status !== 'WAIT_BUYER_PAY')
        return { next: null, result: current };
      const next = { ...current, updatedAt: now, data: { ...current.data, buyer_opened: true } };
      return { next, result: next };
    });
  }

  async pay(key: TradeKey, outcome: PayOutcome): Promise<void> {
    await this.trades.expireIfDue(key);
    const now = new Date();
    const paid = await this.context.trades.change<AlipaySimTrade, StoredTrade<AlipaySimTrade>>(key, (current) => {
      if (!current) throw new ControlNotFoundError(`no alipay trade ${key.outTradeNo}`, 'out_trade_no');
      if (current.data.trade_status !== 'WAIT_BUYER_PAY') {
        throw new ControlConflictError(
          `trade ${key.outTradeNo} is ${current.data.trade_status}` +
            (current.data.close_reason ? ` (${current.data.close_reason})` : '') +
            ', it cannot be paid',
          'out_trade_no',
        );
      }
      if (outcome === 'fail') {
        const next: StoredTrade<AlipaySimTrade> = {
          ...current,
          autoPayAt: null,
          autoPayOutcome: null,
          updatedAt: now,
          data: {
            ...current.data,
            buyer_opened: true,
            failed_attempts: [...(current.data.failed_attempts ?? []), now.toISOString()],
          },
        };
        return { next, result: next };
      }
      const next: StoredTrade<AlipaySimTrade> = {
        ...current,
        state: 'TRADE_SUCCESS',
        closesAt: null,
        autoPayAt: null,
        autoPayOutcome: null,
        updatedAt: now,
        data: {
          ...current.data,
          trade_status: 'TRADE_SUCCESS',
          buyer_opened: true,
          buyer_id: `2088${randomDigits(12)}`,
          buyer_logon_id: `sbx***@sandbox.tongbao.dev`,
          gmt_payment: now.toISOString(),
        },
      };
      return { next, result: next };
    });
    this.context.logger.info({ provider: PROVIDER, out_trade_no: key.outTradeNo, outcome }, 'buyer paid');
    if (outcome === 'success') await this.notifications.notify(paid);
  }

  /** The synchronous return: the shopper's browser is sent to return_url with Alipay's signed parameters. */
  returnUrl(trade: StoredTrade<AlipaySimTrade>, secrets: AlipaySandboxSecrets): string | null {
    const t = trade.data;
    if (!t.return_url || t.trade_status !== 'TRADE_SUCCESS') return null;
    const params: Record<string, string> = {
      charset: 'utf-8',
      out_trade_no: t.out_trade_no,
      method: `${t.method}.return`,
      total_amount: yuan(t.total_fen),
      trade_no: t.trade_no,
      auth_app_id: t.app_id,
      version: '1.0',
      app_id: t.app_id,
      sign_type: 'RSA2',
      seller_id: secrets.seller_id,
      timestamp: formatChinaTime(new Date()),
    };
    params.sign = rsa2Sign(notificationSignContent(params), secrets.platform_private_key);
    const url = new URL(t.return_url);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return url.toString();
  }
}
