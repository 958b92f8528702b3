import { z } from 'zod';
import { randomToken } from '../domain/ids';
import { randomFraction } from './random';
import type { PayOutcome } from './trades';

// stale_timestamp: only for providers whose notifications carry a signed timestamp (WeChat Pay).
export const NOTIFICATION_FAULTS = [
  'normal',
  'drop',
  'duplicate',
  'tamper_signature',
  'tamper_amount',
  'signed_wrong_amount',
  'stale_timestamp',
] as const;
export type NotificationFault = (typeof NOTIFICATION_FAULTS)[number];

// throttling: the provider's rate limit (Aliyun's isv.BUSINESS_LIMIT_CONTROL / Throttling.User); providers
// without one answer it as their system error.
export const API_FAILURES = ['system_error', 'http_500', 'throttling'] as const;
export type ApiFailure = (typeof API_FAILURES)[number];

const fraction = z.number().min(0).max(1);

/**
 * Notification faults mixed at random: `{"drop": 0.3, "duplicate": 0.2}` drops 30 % of the
 * notifications and duplicates 20 %, each decided when the notification is queued; the rest are normal.
 */
const notificationMixSchema = z
  .partialRecord(z.enum(NOTIFICATION_FAULTS), fraction)
  .refine((mix) => Object.values(mix).reduce((sum, share) => sum + (share ?? 0), 0) <= 1, {
    message: 'the fractions must add up to 1 at most',
  });
export type NotificationMix = z.infer<typeof notificationMixSchema>;

/** The body of `POST /_control/faults`. Scope: `provider`, narrowed by `account` (the provider's id of the merchant account: Alipay
 * app_id, WeChat Pay mchid, UnionPay merId) and/or `out_trade_no`. */
export const faultRuleInputSchema = z.strictObject({
  provider: z.string().min(1),
  account: z.string().min(1).optional(),
  out_trade_no: z.string().min(1).optional(),
  notifications: z.union([z.enum(NOTIFICATION_FAULTS), notificationMixSchema]).optional(),
  duplicate_count: z.int().min(1).max(20).optional(),
  delay_ms: z.int().min(0).max(86_400_000).optional(),
  api: z
    .strictObject({
      fail: z.enum(API_FAILURES).nullable().optional(),
      slow_ms: z.int().min(0).max(600_000).optional(),
      methods: z.array(z.string().min(1)).min(1).optional(),
      times: z.int().min(1).optional(),
      /** The fraction of the calls it matches that a rule affects, each decided at random (default 1: all). */
      rate: fraction.optional(),
    })
    .nullable()
    .optional(),
  tamper_response: z.boolean().optional(),
  auto_pay: z
    .strictObject({ outcome: z.enum(['success', 'fail']), after_ms: z.int().min(0).max(86_400_000) })
    .nullable()
    .optional(),
  /** WeChat Pay: refunds accepted while the rule holds end ABNORMAL (the shopper's card was closed) instead of SUCCESS. */
  refunds: z.enum(['abnormal']).nullable().optional(),
  /**
   * Aliyun: SMS sent while the rule holds get a failed receipt (SendStatus 2) with `error_code`
   * (default `MOBILE_NOT_ON_SERVICE`). For Aliyun, `account` is the AccessKey id and `out_trade_no` the OutId.
   */
  sms_receipts: z
    .strictObject({ outcome: z.literal('failed'), error_code: z.string().min(1).max(64).optional() })
    .nullable()
    .optional(),
});
export type FaultRuleInput = z.infer<typeof faultRuleInputSchema>;

/** A rule as stored and listed: the input plus its id and, for `api.times`, how many calls it still affects. */
export interface FaultRule extends FaultRuleInput {
  id: string;
  created_at: string;
  api_times_left?: number;
}

export interface NotificationFaults {
  mode: NotificationFault;
  duplicateCount: number;
  delayMs: number;
}

export interface ApiFaults {
  fail: ApiFailure | null;
  slowMs: number;
  tamperResponse: boolean;
}

export interface AutoPay {
  outcome: PayOutcome;
  afterMs: number;
}

export interface FaultScope {
  provider: string;
  accountId: string | null;
  outTradeNo: string | null;
}

const DEFAULT_DUPLICATE_COUNT = 2;

/**
 * The fault rules in force. Tests run in parallel against one sandbox, so rules are scoped; for
 * each field the most specific rule that sets it wins (app id and order number, then order
 * number, then app id, then the whole provider). Rules live in memory: a restart clears them.
 */
export class FaultStore {
  private rules: FaultRule[] = [];

  /** `random()` in [0, 1) decides the faults given as fractions; tests pass their own. */
  constructor(private readonly random: () => number = randomFraction) {}

  /** Sets the rule for its scope, replacing the one that scope had. */
  set(input: FaultRuleInput): FaultRule {
    this.rules = this.rules.filter(
      (rule) =>
        !(
          rule.provider === input.provider &&
          rule.account === input.account &&
          rule.out_trade_no === input.out_trade_no
        ),
    );
    const rule: FaultRule = { id: `flt_${randomToken(16)}`, created_at: new Date().toISOString(), ...input };
    if (input.api?.times !== undefined) rule.api_times_left = input.api.times;
    this.rules.push(rule);
    return rule;
  }

  list(): FaultRule[] {
    return this.rules.map((rule) => structuredClone(rule));
  }

  clear(): number {
    const count = this.rules.length;
    this.rules = [];
    return count;
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((rule) => rule.id !== id);
    return this.rules.length < before;
  }

  notifications(scope: FaultScope): NotificationFaults {
    const rules = this.matching(scope);
    return {
      mode: this.drawMode(pick(rules, (rule) => rule.notifications) ?? 'normal'),
      duplicateCount: pick(rules, (rule) => rule.duplicate_count) ?? DEFAULT_DUPLICATE_COUNT,
      delayMs: pick(rules, (rule) => rule.delay_ms) ?? 0,
    };
  }

  /** The faults for one API call; a rule limited by `times` is used up by the calls it affects. */
  api(scope: FaultScope, method: string): ApiFaults {
    const rules = this.matching(scope);
    const tamperResponse = pick(rules, (rule) => rule.tamper_response) ?? false;
    for (const rule of rules) {
      if (rule.api === undefined) continue;
      if (rule.api === null) break;
      if (rule.api.methods && !rule.api.methods.includes(method)) continue;
      // A call the rate spares is not affected: it neither fails nor uses up `times`.
      if (rule.api.rate !== undefined && this.random() >= rule.api.rate) break;
      if (rule.api_times_left !== undefined) {
        if (rule.api_times_left <= 0) continue;
        rule.api_times_left -= 1;
      }
      return { fail: rule.api.fail ?? null, slowMs: rule.api.slow_ms ?? 0, tamperResponse };
    }
    return { fail: null, slowMs: 0, tamperResponse };
  }

  /** How a refund accepted now will end: `abnormal`, or null for the normal SUCCESS. */
  refundOutcome(scope: FaultScope): 'abnormal' | null {
    return pick(this.matching(scope), (rule) => rule.refunds) ?? null;
  }

  /** The carrier error an SMS sent now will fail with, or null when it will be delivered. */
  smsReceiptFailure(scope: FaultScope): string | null {
    const rule = pick(this.matching(scope), (r) => r.sms_receipts);
    return rule ? (rule.error_code ?? 'MOBILE_NOT_ON_SERVICE') : null;
  }

  autoPay(scope: FaultScope): AutoPay | null {
    const autoPay = pick(this.matching(scope), (rule) => rule.auto_pay);
    return autoPay ? { outcome: autoPay.outcome, afterMs: autoPay.after_ms } : null;
  }

  /** The mode of one notification: a mix is drawn from, each fault taking its share of [0, 1). */
  private drawMode(setting: NotificationFault | NotificationMix): NotificationFault {
    if (typeof setting === 'string') return setting;
    let draw = this.random();
    for (const [mode, share] of Object.entries(setting) as [NotificationFault, number][]) {
      if (draw < share) return mode;
      draw -= share;
    }
    return 'normal';
  }

  /** Rules that apply to the scope, most specific first (newest first among equals). */
  private matching(scope: FaultScope): FaultRule[] {
    return this.rules
      .filter(
        (rule) =>
          rule.provider === scope.provider &&
          (rule.account === undefined || rule.account === scope.accountId) &&
          (rule.out_trade_no === undefined || rule.out_trade_no === scope.outTradeNo),
      )
      .map((rule, index) => ({ rule, index }))
      .sort((a, b) => specificity(b.rule) - specificity(a.rule) || b.index - a.index)
      .map(({ rule }) => rule);
  }
}

function specificity(rule: FaultRule): number {
  return (rule.out_trade_no !== undefined ? 2 : 0) + (rule.account !== undefined ? 1 : 0);
}

/** The first value a rule sets; `null` counts as set (it switches the fault off at that scope). */
function pick<T>(rules: FaultRule[], field: (rule: FaultRule) => T | undefined): T | undefined {
  for (const rule of rules) {
    const value = field(rule);
    if (value !== undefined) return value;
  }
  return undefined;
}
