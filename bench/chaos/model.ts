// What a chaos run is made of: its options, the stack it runs against, each payment's script, its result.

export interface ChaosOptions {
  stackFile: string;
  payments: number;
  concurrency: number;
  killEverySeconds: number;
  seed: number;
  settleTimeoutSeconds: number;
  /** Progress lines; the test collects them. */
  log: (line: string) => void;
}

export interface StackInfo {
  api_url: string;
  sandbox_url: string;
  admin_token: string;
  database_url: string;
  processes: Record<string, number>;
}

export type Fate = 'paid' | 'refunded' | 'refunded_in_parts' | 'canceled' | 'expired';

export interface Script {
  index: number;
  channel: Channel;
  fate: Fate;
  amount: number;
  id?: string;
  provider?: string;
  outTradeNo?: string;
  /** What the payment must end with. */
  expected?: { status: string; refunded: number; refunds: number };
  /** Why its script could not be played to the end (a request never answered). */
  error?: string;
}

export const CHANNELS = [
  { channel: 'alipay_qr' },
  { channel: 'alipay_pc' },
  { channel: 'alipay_wap' },
  { channel: 'wechat_native' },
  { channel: 'wechat_jsapi', extra: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' } },
  { channel: 'wechat_h5', extra: { client_ip: '203.0.113.7' } },
  { channel: 'unionpay_pc' },
  { channel: 'unionpay_wap' },
] as const;
export type Channel = (typeof CHANNELS)[number];

/** The share of payments each fate gets, in this order. */
export const FATES: [Fate, number][] = [
  ['paid', 0.55],
  ['refunded', 0.15],
  ['refunded_in_parts', 0.1],
  ['canceled', 0.1],
  ['expired', 0.1],
];

export interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

export interface ChaosRow {
  check: string;
  value: number;
  expected: number;
  ok: boolean;
}

export interface ChaosResult {
  ok: boolean;
  rows: ChaosRow[];
  figures: Record<string, number | string>;
  problems: string[];
}
