/**
 * The contract every provider adapter must keep, run against its own sandbox. A provider joins by
 * writing `<provider>.contract.test.ts` next to its adapter:
 *
 * ```ts
 * describeProviderContract(alipayContractHarness);
 * ```
 *
 * The suite creates a payment on each channel, queries, pays through the sandbox, closes, refunds,
 * carries an order on with a second adapter (as another worker would), verifies notifications
 * (valid, forged, for another merchant, wrong amount, replayed, stale) and checks which failures
 * are retryable (the provider's system error, HTTP 500, a tampered answer, an unreachable gateway,
 * a wrong signature, an invalid request). What differs between providers lives in the harness.
 */
import type { Channel, NextAction, ProviderName } from '../../domain/payment';
import { freePort } from '../../runtime/free-port.testing';
import { eventually, newOutTradeNo } from '../../sandbox/sandbox.testing';
import {
  NotificationRejectedError,
  ProviderDeclinedError,
  ProviderError,
  ProviderInvalidRequestError,
  ProviderUnavailableError,
} from '../errors';
import type {
  CreatePaymentInput,
  CreatePaymentResult,
  PaymentProvider,
  ProviderEnvironment,
  ProviderOrderRef,
  RawNotification,
} from '../provider';
import type { ProviderAccount } from '../../domain/provider-account';
import {
  newRefund,
  openTestAccount,
  orderOf,
  paymentInput,
  rawNotificationOf,
  receiver,
  refundInput,
  sandbox,
  useSandbox,
} from './adapter.testing';

export interface ContractChannel {
  channel: Channel;
  /** The `next_action.type` this channel answers with. */
  nextAction: NextAction['type'];
  /** Channel-specific input, e.g. `openid` for JSAPI or `clientIp` for H5. */
  input?: Partial<CreatePaymentInput>;
}

export interface ProviderContractHarness {
  provider: ProviderName;
  channels: ContractChannel[];
  /** The adapter's factory, as the registry calls it. */
  create(account: ProviderAccount, env: ProviderEnvironment): PaymentProvider;
  /** The same account with another account's merchant key: the gateway must refuse its signatures. */
  withWrongMerchantKey(account: ProviderAccount, other: ProviderAccount): ProviderAccount;
  /** What the shopper does before the sandbox can take the payment (e.g. open a redirect URL). */
  reachCashier(created: CreatePaymentResult): Promise<void>;
  /** Whether notifications carry a signed timestamp that must be recent (WeChat Pay: 5 minutes). */
  checksNotificationTimestamp: boolean;
  /** The providerCode of the provider's "system busy" answer, which the sandbox's `system_error` fault gives. */
  systemErrorCode: string;
}

/**
 * Opens a sandbox account (`POST /_control/accounts`). With `sharingProviderKeysWith`, the
 * provider side of the new account signs with the same keys as that account, so that only the
 * account-id check can tell their notifications apart.
 */
async function openAccount(
  provider: ProviderName,
  options: { sharingProviderKeysWith?: ProviderAccount } = {},
): Promise<ProviderAccount> {
  const sharing = options.sharingProviderKeysWith
    ? { share_provider_keys_with: options.sharingProviderKeysWith.externalId }
    : {};
  return (await openTestAccount(provider, sharing)).account;
}

export function describeProviderContract(harness: ProviderContractHarness): void {
  describe(`the ${harness.provider} adapter keeps the provider contract`, () => {
    let account: ProviderAccount;
    let provider: PaymentProvider;
    const env = (): ProviderEnvironment => ({ sandboxUrl: sandbox.url });

    useSandbox({ timeScale: 600 });
    beforeAll(async () => {
      account = await openAccount(harness.provider);
      provider = harness.create(account, env());
    });

    const notificationsFor = (outTradeNo: string) =>
      receiver.requests.filter((request) => request.path.endsWith(`/${outTradeNo}`));

    const input = (channel: ContractChannel, outTradeNo: string, amountMinor = 1999): CreatePaymentInput =>
      paymentInput(channel.channel, {
        outTradeNo,
        amountMinor,
        description: 'Contract test',
        returnUrl: 'https://shop.example/return',
        expiresAt: new Date(Date.now() + 30 * 60_000),
        ...channel.input,
      });

    /** An order created (through `via`) and left unpaid. */
    async function unpaid(via: PaymentProvider = provider): Promise<ProviderOrderRef> {
      const order = input(harness.channels[0], newOutTradeNo());
      await via.createPayment(order);
      return orderOf(order);
    }

    /** `order` created through `via`, carried to the cashier, and paid by the shopper of account `on`. */
    async function pay(
      order: CreatePaymentInput,
      via: PaymentProvider = provider,
      on: ProviderAccount = account,
    ): Promise<ProviderOrderRef> {
      const created = await via.createPayment(order);
      await harness.reachCashier(created);
      const result = await sandbox.control('POST', '/_control/pay', {
        provider: harness.provider,
        out_trade_no: order.outTradeNo,
        account: on.externalId,
        outcome: 'success',
      });
      expect(result.status).toBe(200);
      return orderOf(order);
    }

    const paid = (via: PaymentProvider = provider, on: ProviderAccount = account, amountMinor = 1999) =>
      pay(input(harness.channels[0], newOutTradeNo(), amountMinor), via, on);

    async function fault(body: Record<string, unknown>): Promise<void> {
      const result = await sandbox.control('POST', '/_control/faults', { provider: harness.provider, ...body });
      expect(result.status).toBe(201);
    }

    async function firstNotification(outTradeNo: string): Promise<RawNotification> {
      return eventually(() => {
        const [request] = notificationsFor(outTradeNo);
        expect(request).toBeDefined();
        return rawNotificationOf(request);
      });
    }

    /** The first notification of an order paid while the sandbox alters its notifications as `mode` says. */
    async function notificationAltered(mode: string): Promise<RawNotification> {
      const outTradeNo = newOutTradeNo();
      await fault({ out_trade_no: outTradeNo, notifications: mode });
      await pay(input(harness.channels[0], outTradeNo));
      return firstNotification(outTradeNo);
    }

    describe.each(harness.channels)('on $channel', (channel) => {
      test(`create answers ${channel.nextAction}; after the shopper pays, query says succeeded`, async () => {
        const order = input(channel, newOutTradeNo());
        const { outTradeNo } = order;
        const created = await provider.createPayment(order);
        expect(created.nextAction.type).toBe(channel.nextAction);
        const before = await provider.queryPayment(orderOf(order));
        expect(['pending', 'not_found']).toContain(before.status);

        await harness.reachCashier(created);
        expect(
          (
            await sandbox.control('POST', '/_control/pay', {
              provider: harness.provider,
              out_trade_no: outTradeNo,
              account: account.externalId,
              outcome: 'success',
            })
          ).status,
        ).toBe(200);
        const after = await provider.queryPayment(orderOf(order));
        expect(after).toMatchObject({ outTradeNo, status: 'succeeded', amountMinor: 1999 });
        expect(after.providerTradeNo).toBeTruthy();
      });
    });

    describe('close', () => {
      test('an unpaid trade closes, and stays unpaid', async () => {
        const order = await unpaid();
        expect(await provider.closePayment(order)).toBe('closed');
        expect(['closed', 'not_found']).toContain((await provider.queryPayment(order)).status);
      });

      test('a paid trade answers already_paid', async () => {
        const order = await paid();
        expect(await provider.closePayment(order)).toBe('already_paid');
        expect((await provider.queryPayment(order)).status).toBe('succeeded');
      });
    });

    describe('refunds', () => {
      test('partial refunds add up, the same out_refund_no refunds once, and a refund over what is left is refused for good', async () => {
        const order = await paid(provider, account, 1000);
        const r1 = newRefund(order, 'R1');
        const r2 = newRefund(order, 'R2');
        const first = await provider.refund({ ...refundInput(order, r1, 300, 1000), reason: 'damaged' });
        expect(['pending', 'succeeded']).toContain(first.status);
        const again = await provider.refund({ ...refundInput(order, r1, 300, 1000), reason: 'damaged' });
        expect(['pending', 'succeeded']).toContain(again.status);
        await provider.refund(refundInput(order, r2, 600, 1000));

        const settled = await eventually(async () => {
          const refund = await provider.queryRefund(r1);
          expect(refund.status).toBe('succeeded');
          return refund;
        });
        expect(settled.amountMinor).toBe(300);
        expect((await provider.queryRefund(r2)).status).toMatch(/pending|succeeded/);
        expect((await provider.queryRefund(newRefund(order, 'R9'))).status).toBe('not_found');

        const over = await provider
          .refund(refundInput(order, newRefund(order, 'R3'), 200, 1000))
          .catch((error: unknown) => error);
        expect(over).toBeInstanceOf(ProviderError);
        expect((over as ProviderError).retryable).toBe(false);
      });
    });

    describe('any worker can carry on an order', () => {
      test('a second adapter for the account, which never saw the creates, queries, closes and refunds them', async () => {
        const paidOrder = await paid(provider, account, 1000);
        const unpaidOrder = await unpaid();
        // A fresh adapter, as a worker started after a restart (or another worker) would make it.
        const other = harness.create(account, env());
        expect(await other.queryPayment(paidOrder)).toMatchObject({
          outTradeNo: paidOrder.outTradeNo,
          status: 'succeeded',
          amountMinor: 1000,
        });
        expect(await other.closePayment(paidOrder)).toBe('already_paid');
        expect(await other.closePayment(unpaidOrder)).toBe('closed');
        const refund = newRefund(paidOrder, 'R1');
        expect(['pending', 'succeeded']).toContain(
          (await other.refund(refundInput(paidOrder, refund, 400, 1000))).status,
        );
        await eventually(async () =>
          expect((await harness.create(account, env()).queryRefund(refund)).status).toBe('succeeded'),
        );
      });
    });

    describe('notifications', () => {
      test('a genuine notification verifies, with the trade it reports', async () => {
        const { outTradeNo } = await paid();
        const verified = await provider.verifyNotification(await firstNotification(outTradeNo));
        expect(verified).toMatchObject({
          kind: 'payment',
          trade: { outTradeNo, status: 'succeeded', amountMinor: 1999 },
        });
      });

      test('a replayed notification verifies the same way again (the caller makes it harmless)', async () => {
        const { outTradeNo } = await paid();
        const notification = await firstNotification(outTradeNo);
        const once = await provider.verifyNotification(notification);
        const twice = await provider.verifyNotification(notification);
        expect(twice).toEqual(once);
      });

      test('a forged signature is refused', async () => {
        await expect(provider.verifyNotification(await notificationAltered('tamper_signature'))).rejects.toBeInstanceOf(
          NotificationRejectedError,
        );
      });

      test("another merchant's notification is refused, even when the provider signs both with one key", async () => {
        const other = await openAccount(harness.provider, { sharingProviderKeysWith: account });
        const { outTradeNo } = await paid(harness.create(other, env()), other);
        await expect(provider.verifyNotification(await firstNotification(outTradeNo))).rejects.toBeInstanceOf(
          NotificationRejectedError,
        );
      });

      test('a correctly signed notification with another amount reports that amount, so the caller refuses it', async () => {
        const verified = await provider.verifyNotification(await notificationAltered('signed_wrong_amount'));
        expect(verified.kind === 'payment' && verified.trade.amountMinor).not.toBe(1999);
      });

      // Registered only where it applies: a provider without signed timestamps has nothing to refuse.
      if (harness.checksNotificationTimestamp)
        test('a notification with a stale timestamp is refused', async () => {
          await expect(
            provider.verifyNotification(await notificationAltered('stale_timestamp')),
          ).rejects.toBeInstanceOf(NotificationRejectedError);
        });
    });

    describe('error classification', () => {
      test("the provider's system error and an HTTP 500 are retryable, and calls succeed again once they pass", async () => {
        const order = await paid();
        await fault({ out_trade_no: order.outTradeNo, api: { fail: 'system_error' } });
        const error = await provider.queryPayment(order).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ProviderUnavailableError);
        expect(error).toMatchObject({ retryable: true, providerCode: harness.systemErrorCode });
        await fault({ out_trade_no: order.outTradeNo, api: { fail: 'http_500' } });
        await expect(provider.queryPayment(order)).rejects.toMatchObject({
          constructor: ProviderUnavailableError,
          providerCode: 'http_500',
        });
        await expect(provider.closePayment(order)).rejects.toMatchObject({
          constructor: ProviderUnavailableError,
          providerCode: 'http_500',
        });
        await fault({ out_trade_no: order.outTradeNo, api: null });
        expect((await provider.queryPayment(order)).status).toBe('succeeded');
      });

      test('an answer altered after the provider signed it is never accepted, and retried', async () => {
        // An account of its own: the fault holds for every answer to it.
        const tampered = await openAccount(harness.provider);
        const adapter = harness.create(tampered, env());
        const order = await paid(adapter, tampered);
        await fault({ account: tampered.externalId, tamper_response: true });
        const error = await adapter.queryPayment(order).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ProviderUnavailableError);
        expect(error).toMatchObject({
          providerCode: 'response_signature_invalid',
          message: expect.stringMatching(/signature verification/),
        });
      });

      test('an unreachable gateway is retryable', async () => {
        const unreachable = harness.create(account, { sandboxUrl: `http://127.0.0.1:${await freePort()}` });
        await expect(
          unreachable.queryPayment({ outTradeNo: newOutTradeNo(), createdAt: new Date() }),
        ).rejects.toMatchObject({ constructor: ProviderUnavailableError, providerCode: 'network_error' });
      });

      test('a request signed with the wrong merchant key is refused for good', async () => {
        const other = await openAccount(harness.provider);
        const wrong = harness.create(harness.withWrongMerchantKey(account, other), env());
        const error = await wrong.createPayment(input(harness.channels[0], newOutTradeNo())).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ProviderInvalidRequestError);
        expect((error as ProviderError).retryable).toBe(false);
      });

      test('an invalid request is refused for good', async () => {
        const error = await provider
          .createPayment({ ...input(harness.channels[0], newOutTradeNo()), amountMinor: 0 })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ProviderError);
        expect(error instanceof ProviderInvalidRequestError || error instanceof ProviderDeclinedError).toBe(true);
      });
    });
  });
}
