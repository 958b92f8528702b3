import { createHash } from 'node:crypto';
import { ControlConflictError, ControlNotFoundError } from '../errors';
import { randomDigits } from '../random';
import type { SimulatorContext } from '../simulator';
import type { PayOutcome, StoredTrade, TradeKey } from '../trades';
import { PROVIDER, type WechatpaySimTrade } from './wechatpay.model';
import type { WechatpayNotifications } from './wechatpay.notifications';
import { formatWechatTime, randomAlphanumeric } from './wechatpay.signature';
import type { WechatpayTrades } from './wechatpay.trades';

/** WeChat's is `weixin://wxpay/bizpayurl?pr=…`, which no browser opens: the sandbox's is its scan page. */
export function codeUrl(baseUrl: string, t: WechatpaySimTrade): string {
  return `${baseUrl}/scan/${encodeURIComponent(t.prepay_id)}`;
}

/** WeChat's is `https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=…&package=…`. */
export function h5Url(baseUrl: string, t: WechatpaySimTrade): string {
  const pkg = Number.parseInt(createHash('sha256').update(t.prepay_id).digest('hex').slice(0, 8), 16) % 10_000_000_000;
  return `${baseUrl}/checkmweb?prepay_id=${encodeURIComponent(t.prepay_id)}&package=${pkg}`;
}

/** What getBrandWCPayRequest would open in WeChat, given the parameters the merchant signed. */
export function jsapiUrl(baseUrl: string, t: WechatpaySimTrade): string {
  return `${baseUrl}/jsapi/${encodeURIComponent(t.prepay_id)}`;
}

/** The shopper at WeChat's pages: entering the password (USERPAYING), paying, or failing. */
export class WechatpayBuyer {
  constructor(
    private readonly context: SimulatorContext,
    private readonly trades: WechatpayTrades,
    private readonly notifications: WechatpayNotifications,
  ) {}

  async pay(key: TradeKey, outcome: PayOutcome): Promise<void> {
    await this.trades.refresh(key);
    const now = new Date();
    const paid = await this.context.trades.change<WechatpaySimTrade, StoredTrade<WechatpaySimTrade>>(key, (current) => {
      if (!current) throw new ControlNotFoundError(`no wechatpay order ${key.outTradeNo}`, 'out_trade_no');
      const t = current.data;
      if (t.trade_state !== 'NOTPAY' && t.trade_state !== 'USERPAYING') {
        throw new ControlConflictError(
          `order ${key.outTradeNo} is ${t.trade_state}${t.close_reason ? ` (${t.close_reason})` : ''}, it cannot be paid`,
          'out_trade_no',
        );
      }
      const settled = { ...current, closesAt: null, autoPayAt: null, autoPayOutcome: null, updatedAt: now };
      if (outcome === 'fail') {
        const next: StoredTrade<WechatpaySimTrade> = {
          ...settled,
          state: 'PAYERROR',
          data: { ...t, trade_state: 'PAYERROR', failed_attempts: [...t.failed_attempts, now.toISOString()] },
        };
        return { next, result: next };
      }
      const next: StoredTrade<WechatpaySimTrade> = {
        ...settled,
        state: 'SUCCESS',
        data: {
          ...t,
          trade_state: 'SUCCESS',
          transaction_id: newTransactionId(now),
          payer_openid: t.payer_openid ?? `o${randomAlphanumeric(27)}`,
          success_time: now.toISOString(),
        },
      };
      return { next, result: next };
    });
    this.context.logger.info({ provider: PROVIDER, out_trade_no: key.outTradeNo, outcome }, 'buyer paid');
    // WeChat tells the merchant only of successful payments.
    if (outcome === 'success') await this.notifications.notifyPayment(paid);
  }

  /** The shopper opened the password prompt: USERPAYING until they pay or fail. */
  async startPaying(key: TradeKey): Promise<void> {
    await this.trades.refresh(key);
    await this.context.trades.change<WechatpaySimTrade, void>(key, (current) => {
      if (!current) throw new ControlNotFoundError(`no wechatpay order ${key.outTradeNo}`, 'out_trade_no');
      if (current.data.trade_state !== 'NOTPAY') {
        throw new ControlConflictError(`order ${key.outTradeNo} is ${current.data.trade_state}`, 'out_trade_no');
      }
      return {
        next: {
          ...current,
          state: 'USERPAYING',
          updatedAt: new Date(),
          data: { ...current.data, trade_state: 'USERPAYING' },
        },
        result: undefined,
      };
    });
  }
}

/** WeChat transaction ids are 28 digits: 4200, a channel code, the date, a sequence. */
function newTransactionId(now: Date): string {
  return `420000${randomDigits(4)}${formatWechatTime(now).slice(0, 10).replaceAll('-', '')}${randomDigits(10)}`;
}
