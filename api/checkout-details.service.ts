import type { EntityManager } from '@mikro-orm/postgresql';
import {
  SAVE_DETAILS_CONSENT_VERSION,
  VERIFICATION_LIMITS,
  VERIFICATION_TTL_SECONDS,
  maskEmail,
  maskName,
  maskPhone,
  type CheckoutDetailsInput,
  type MaskedDetails,
  type VerifiedDetails,
} from '../domain/checkout-details';
import type { CheckoutLocale } from '../domain/checkout-session';
import type { CustomerRecord } from '../domain/customer';
import { newId } from '../domain/ids';
import { CustomerSchema } from '../db/entities';
import type { CheckoutSession } from './checkout-shapes';
import { outboxDeps, type ApiDeps } from './deps';
import { AppError, ConflictError, InvalidRequestError } from './errors';
import { VerificationCodes } from './verification-codes';
import { MessageRequestError, requestMessage } from '../messaging/outbox';

/** The pay's `details`, validated by the route: email lower case, phone E.164 (domain/customer.ts). */
export type DetailsParams = CheckoutDetailsInput;

/** Where the payment's receipt goes: the lead's `payments.receipt_*` columns. */
export interface ReceiptContact {
  email: string | null;
  phone: string | null;
  locale: CheckoutLocale;
}

/** What a pay does with the details: the customer the session now names, and the receipt contact. */
export interface AppliedDetails {
  customerId: string | null;
  receipt: ReceiptContact | null;
}

export interface VerificationStarted {
  id: string;
  masked: MaskedDetails;
  expiresAt: Date;
}

/** Raised when a returning shopper's phone has no saved details with this merchant. */
export class SavedDetailsNotFoundError extends AppError {
  constructor() {
    super(
      'not_found_error',
      'saved_details_not_found',
      'No details are saved with this merchant for this phone number.',
      'phone',
    );
  }
}

/** Raised when a limit on sending codes is reached (per phone, per IP address, per session). */
export class VerificationLimitError extends AppError {
  constructor(code: string, message: string, retryAfterSeconds: number | undefined) {
    super('rate_limit_error', code, message, 'phone', retryAfterSeconds ? { retryAfterSeconds } : {});
  }
}

/** Raised when a code is checked against a verification that no longer takes codes (expired, spent). */
export class VerificationRefusedError extends InvalidRequestError {
  constructor(code: string, message: string) {
    super(code, message, 'code');
  }
}

/** Raised when the code cannot be sent by SMS (no published verification_code template): 503, the page asks to fill in instead. */
export class VerificationUnavailableError extends AppError {
  constructor(cause: Error) {
    super('api_error', 'verification_unavailable', `The code cannot be sent by SMS now: ${cause.message}`, null, {
      status: 503,
      retryAfterSeconds: 60,
      cause,
    });
  }
}

interface VerificationRow {
  id: string;
  customer_id: string;
  code_hmac: string;
  failed_attempts: number;
  expired: boolean;
  verified_at: string | null;
}

const HOUR_SECONDS = 3600;

/**
 * The hosted checkout's receipt contact and saved details (issue 12, section 4). The checkout
 * service loads the session and calls in here; this owns customer_consents and customer_verifications.
 *
 * Saving is the only thing that ties a customer to a session, and it needs the shopper's consent
 * (recorded) and, for a phone already saved with the merchant, proof that the shopper holds it: a
 * verified SMS code in the same session. Without that, anyone could attach their payments to (or
 * rewrite the e-mail of) a stranger's saved details by typing the stranger's number.
 */
export function createCheckoutDetailsService(deps: ApiDeps) {
  const { db } = deps;
  const codes = new VerificationCodes(deps.config.encryptionKey);

  /** The merchant's saved customer with this phone (the newest, should there be two), not erased. */
  async function savedCustomer(em: EntityManager, session: CheckoutSession, phone: string) {
    return em.findOne(
      CustomerSchema,
      { merchantId: session.merchantId, livemode: session.livemode, phone, erasedAt: null },
      { orderBy: { createdAt: 'desc', id: 'desc' } },
    );
  }

  /** Refuses the send if a limit is reached; runs under the advisory locks of startVerification, so two sends cannot both pass. */
  async function checkSendLimits(
    tx: EntityManager,
    sessionId: string,
    phoneMac: string,
    ip: string | null,
  ): Promise<void> {
    const [counts] = await tx.execute<
      {
        per_phone: string;
        phone_retry: number | null;
        per_ip: string;
        ip_retry: number | null;
        per_session: string;
      }[]
    >(
      `select
         (select count(*) from customer_verifications where phone_hmac = ? and created_at > now() - interval '1 hour') as per_phone,
         (select ceil(extract(epoch from min(created_at) + interval '1 hour' - now()))::int from customer_verifications
            where phone_hmac = ? and created_at > now() - interval '1 hour') as phone_retry,
         (select count(*) from customer_verifications where ip = ? and created_at > now() - interval '1 hour') as per_ip,
         (select ceil(extract(epoch from min(created_at) + interval '1 hour' - now()))::int from customer_verifications
            where ip = ? and created_at > now() - interval '1 hour') as ip_retry,
         (select count(*) from customer_verifications where checkout_session_id = ?) as per_session`,
      [phoneMac, phoneMac, ip, ip, sessionId],
    );
    if (Number(counts.per_session) >= VERIFICATION_LIMITS.sendsPerSession)
      throw new VerificationLimitError(
        'verification_limit_session',
        `Too many codes were sent for this checkout (at most ${VERIFICATION_LIMITS.sendsPerSession}); fill in the details instead.`,
        undefined,
      );
    if (Number(counts.per_phone) >= VERIFICATION_LIMITS.sendsPerPhonePerHour)
      throw new VerificationLimitError(
        'verification_limit_phone',
        `Too many codes were sent to this phone number in the last hour (at most ${VERIFICATION_LIMITS.sendsPerPhonePerHour}); try again later.`,
        counts.phone_retry ?? HOUR_SECONDS,
      );
    if (ip && Number(counts.per_ip) >= VERIFICATION_LIMITS.sendsPerIpPerHour)
      throw new VerificationLimitError(
        'verification_limit_ip',
        `Too many codes were sent from this network in the last hour (at most ${VERIFICATION_LIMITS.sendsPerIpPerHour}); try again later.`,
        counts.ip_retry ?? HOUR_SECONDS,
      );
  }

  /**
   * Finds the merchant's customer by phone, or creates it, under an advisory lock on the
   * (merchant, mode, phone): two pays of one shopper at once make one customer, not two.
   */
  async function saveCustomer(
    session: CheckoutSession,
    details: DetailsParams & { phone: string },
    ip: string | null,
  ): Promise<string> {
    return db.fork().transactional(async (tx) => {
      await tx.execute(`select pg_advisory_xact_lock(hashtextextended(?, 0))`, [
        `customer-phone:${session.merchantId}:${session.livemode}:${details.phone}`,
      ]);
      const now = new Date();
      const existing = await savedCustomer(tx, session, details.phone);
      let customer: CustomerRecord;
      if (existing) {
        if (
          existing.id !== session.customerId &&
          !(await verifiedFor(tx, session.id, existing.id, details.verification))
        )
          throw new ConflictError(
            'customer_verification_required',
            'This phone number already has details saved with this merchant: verify it with the code sent by SMS first.',
            'details[phone]',
          );
        // The shopper proved they hold the phone and asked to save what they typed now.
        if (details.email !== undefined) existing.email = details.email;
        if (details.name !== undefined) existing.name = details.name;
        existing.updatedAt = now;
        customer = existing;
      } else {
        customer = {
          id: newId('customer'),
          merchantId: session.merchantId,
          livemode: session.livemode,
          email: details.email ?? null,
          phone: details.phone,
          name: details.name ?? null,
          locale: details.locale,
          shippingAddress: null,
          preferredChannel: null,
          metadata: {},
          createdAt: now,
          updatedAt: now,
          erasedAt: null,
        };
        tx.persist(tx.create(CustomerSchema, customer));
      }
      await tx.flush();
      await tx.execute(
        `insert into customer_consents (id, merchant_id, livemode, customer_id, purpose, text_version, text, locale, checkout_session_id, ip, granted_at)
         values (?, ?, ?, ?, 'save_details', ?, ?, ?, ?, ?, ?)`,
        [
          newId('customerConsent'),
          session.merchantId,
          session.livemode,
          customer.id,
          details.consent_version,
          details.consent_text,
          details.locale,
          session.id,
          ip,
          now,
        ],
      );
      // From now on the session's payments name the customer (checkout.service pay).
      await tx.execute(`update checkout_sessions set customer_id = ? where id = ?`, [customer.id, session.id]);
      return customer.id;
    });
  }

  /**
   * Sends the code through the message workflow (template `verification_code`, in the page's
   * language). One message per verification: a new code is a new verification, so it goes out.
   */
  async function sendCode(code: {
    session: CheckoutSession;
    phone: string;
    locale: CheckoutLocale;
    code: string;
    id: string;
    customerId: string;
  }): Promise<{ id: string }> {
    try {
      return await requestMessage(outboxDeps(deps), {
        merchantId: code.session.merchantId,
        livemode: code.session.livemode,
        template: 'verification_code',
        channel: 'sms',
        to: code.phone,
        locale: code.locale,
        variables: { code: code.code, minutes: String(VERIFICATION_TTL_SECONDS / 60) },
        objectId: code.id,
        customerId: code.customerId,
      });
    } catch (error) {
      // An admin unpublished the template, or it lost a variable: no code can go out until fixed.
      if (error instanceof MessageRequestError) throw new VerificationUnavailableError(error);
      throw error;
    }
  }

  /** Whether the shopper verified, in this session, that they hold the phone of `customerId`. */
  async function verifiedFor(
    em: EntityManager,
    sessionId: string,
    customerId: string,
    verificationId: string | undefined,
  ): Promise<boolean> {
    if (!verificationId) return false;
    const [row] = await em.execute<{ id: string }[]>(
      `select id from customer_verifications
        where id = ? and checkout_session_id = ? and customer_id = ? and verified_at is not null`,
      [verificationId, sessionId, customerId],
    );
    return Boolean(row);
  }

  /**
   * Whether the session names a customer its merchant chose (at create): that customer stays, so
   * the page offers only the receipt. A customer the shopper saved in this session does not count.
   */
  async function merchantChoseCustomer(session: CheckoutSession): Promise<boolean> {
    if (!session.customerId) return false;
    const [consent] = await db
      .fork()
      .execute<{ id: string }[]>(
        `select id from customer_consents where checkout_session_id = ? and customer_id = ? limit 1`,
        [session.id, session.customerId],
      );
    return !consent;
  }

  return {
    /** What the page offers: nothing, the receipt only (the merchant named the customer), or receipt and saving. */
    async offerFor(session: CheckoutSession): Promise<'none' | 'receipt' | 'receipt_and_save'> {
      if (session.saveCustomer !== 'optional') return 'none';
      return (await merchantChoseCustomer(session)) ? 'receipt' : 'receipt_and_save';
    },

    /**
     * Applies the shopper's choices before the pay makes its payment. Both unchecked: nothing at
     * all is stored, whatever was typed. Receipt: the contact, for the payment only. Save: the
     * merchant's customer, found or created by phone, the consent recorded, and the session naming it.
     */
    async apply(session: CheckoutSession, details: DetailsParams, ip: string | null): Promise<AppliedDetails> {
      if (!details.receipt && !details.save) return { customerId: null, receipt: null };
      const offer = await this.offerFor(session);
      if (offer === 'none')
        throw new InvalidRequestError(
          'details_not_offered',
          'This checkout session does not offer receipts or saving details (save_customer is never).',
          'details',
        );
      if (details.receipt && !details.email && !details.phone)
        throw new InvalidRequestError(
          'parameter_missing',
          'A receipt needs an e-mail address or a phone number.',
          'details[email]',
        );
      let customerId: string | null = null;
      if (details.save) {
        if (offer !== 'receipt_and_save')
          throw new InvalidRequestError(
            'customer_already_set',
            'This checkout session already names its customer; details cannot be saved to another.',
            'details[save]',
          );
        if (!details.phone)
          throw new InvalidRequestError(
            'parameter_missing',
            'Saving details needs a phone number: a returning shopper is recognised by it.',
            'details[phone]',
          );
        if (details.consent_version !== SAVE_DETAILS_CONSENT_VERSION)
          throw new InvalidRequestError(
            'consent_version_unknown',
            `The consent text shown must be version ${SAVE_DETAILS_CONSENT_VERSION}.`,
            'details[consent_version]',
          );
        if (!details.consent_text)
          throw new InvalidRequestError(
            'parameter_missing',
            'Saving details needs the consent text the shopper agreed to.',
            'details[consent_text]',
          );
        customerId = await saveCustomer(session, { ...details, phone: details.phone }, ip);
      }
      return {
        customerId,
        receipt: details.receipt
          ? { email: details.email ?? null, phone: details.phone ?? null, locale: details.locale }
          : null,
      };
    },

    /**
     * A returning shopper typed a phone: if the merchant has a customer saved with it, a code goes
     * to it by SMS and the shopper sees the details masked. Limits per phone, IP address and session.
     */
    async startVerification(
      session: CheckoutSession,
      params: { phone: string; locale: CheckoutLocale },
      ip: string | null,
    ): Promise<VerificationStarted> {
      if ((await this.offerFor(session)) !== 'receipt_and_save')
        throw new InvalidRequestError(
          'details_not_offered',
          'This checkout session does not offer saved details.',
          'phone',
        );
      const phoneMac = codes.phoneMac(params.phone);
      const id = newId('customerVerification');
      const code = codes.newCode();
      const started = await db.fork().transactional(async (tx) => {
        // Each limit's counter under its own lock, always taken in this order (no deadlock): two
        // sends at once for one session, address or phone are counted one after the other.
        for (const scope of [`session:${session.id}`, `ip:${ip ?? ''}`, `phone:${phoneMac}`])
          await tx.execute(`select pg_advisory_xact_lock(hashtextextended(?, 0))`, [`verification-${scope}`]);
        const customer = await savedCustomer(tx, session, params.phone);
        if (!customer) throw new SavedDetailsNotFoundError();
        await checkSendLimits(tx, session.id, phoneMac, ip);
        const [row] = await tx.execute<{ expires_at: string }[]>(
          `insert into customer_verifications (id, merchant_id, livemode, checkout_session_id, customer_id, phone_hmac, code_hmac, ip, expires_at)
           values (?, ?, ?, ?, ?, ?, ?, ?, now() + make_interval(secs => ?)) returning expires_at`,
          [
            id,
            session.merchantId,
            session.livemode,
            session.id,
            customer.id,
            phoneMac,
            codes.codeMac(id, code),
            ip,
            VERIFICATION_TTL_SECONDS,
          ],
        );
        // Raw queries answer timestamps as strings.
        return { customer, expiresAt: new Date(row.expires_at) };
      });
      const { customer } = started;
      const message = await sendCode({
        session,
        phone: params.phone,
        locale: params.locale,
        code,
        id,
        customerId: customer.id,
      });
      await db.fork().execute(`update customer_verifications set message_id = ? where id = ?`, [message.id, id]);
      return {
        id,
        expiresAt: started.expiresAt,
        masked: {
          phone: maskPhone(params.phone),
          email: customer.email && maskEmail(customer.email),
          name: customer.name && maskName(customer.name),
          has_shipping_address: customer.shippingAddress !== null,
        },
      };
    },

    /**
     * Checks the code the shopper typed. A wrong one counts (at most
     * VERIFICATION_LIMITS.attemptsPerVerification), an expired or spent verification takes none;
     * the right one answers the saved details in full. Checking the right code again answers them again.
     */
    async verify(session: CheckoutSession, verificationId: string, code: string): Promise<VerifiedDetails> {
      const outcome = await db.fork().transactional(async (tx) => {
        const [row] = await tx.execute<VerificationRow[]>(
          `select id, customer_id, code_hmac, failed_attempts, verified_at, expires_at <= now() as expired
             from customer_verifications where id = ? and checkout_session_id = ? for update`,
          [verificationId, session.id],
        );
        if (!row) return { refused: 'missing' as const };
        if (row.failed_attempts >= VERIFICATION_LIMITS.attemptsPerVerification) return { refused: 'attempts' as const };
        if (row.expired && !row.verified_at) return { refused: 'expired' as const };
        if (!codes.matches(row.id, code, row.code_hmac)) {
          await tx.execute(`update customer_verifications set failed_attempts = failed_attempts + 1 where id = ?`, [
            row.id,
          ]);
          return {
            refused: 'incorrect' as const,
            attemptsLeft: VERIFICATION_LIMITS.attemptsPerVerification - row.failed_attempts - 1,
          };
        }
        if (!row.verified_at)
          await tx.execute(`update customer_verifications set verified_at = now() where id = ?`, [row.id]);
        return { refused: null, customerId: row.customer_id };
      });
      switch (outcome.refused) {
        case 'missing':
          throw new AppError(
            'not_found_error',
            'resource_missing',
            `No such customer verification: '${verificationId}'`,
            'id',
          );
        case 'attempts':
          throw new VerificationRefusedError(
            'verification_attempts_exceeded',
            `Too many wrong codes (${VERIFICATION_LIMITS.attemptsPerVerification}); ask for a new code.`,
          );
        case 'expired':
          throw new VerificationRefusedError('verification_code_expired', 'This code has expired; ask for a new code.');
        case 'incorrect':
          throw new VerificationRefusedError(
            'verification_code_incorrect',
            outcome.attemptsLeft > 0
              ? `This code is not the one sent; ${outcome.attemptsLeft} ${outcome.attemptsLeft === 1 ? 'try' : 'tries'} left.`
              : 'This code is not the one sent, and no tries are left; ask for a new code.',
          );
        case null:
          break;
      }
      const customer = await db
        .fork()
        .findOne(CustomerSchema, { id: outcome.customerId, merchantId: session.merchantId, erasedAt: null });
      // Erased between the code and now: the details are gone, as they would be for a new shopper.
      if (!customer) throw new SavedDetailsNotFoundError();
      return {
        phone: customer.phone,
        email: customer.email,
        name: customer.name,
        shipping_address: customer.shippingAddress,
      };
    },
  };
}

export type CheckoutDetailsService = ReturnType<typeof createCheckoutDetailsService>;
