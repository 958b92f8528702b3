import { Migration } from '@mikro-orm/migrations';

/**
 * The hosted checkout's "save my details" (issue 12, section 4): the consent a shopper gives to
 * have the merchant keep their details, and the SMS codes that let a returning shopper fill them in.
 *
 * Nothing here holds a phone number or a code in the clear: a verification keeps an HMAC of its
 * code and of the phone it was sent to (api/checkout-details.codes.ts), enough to check the code
 * and to count sends per phone. A consent is evidence: it names the customer, the text shown
 * (and its version), when, from which session and IP address, and stays when the customer is erased.
 */
export class Migration20261203130000_checkout_customer_details extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table customer_consents (
        id text primary key,
        merchant_id text not null references merchants(id),
        livemode boolean not null,
        customer_id text not null references customers(id),
        -- What was agreed: 'save_details', keeping the contact details for next time.
        purpose text not null check (purpose in ('save_details')),
        -- domain/checkout-details.ts SAVE_DETAILS_CONSENT_VERSION, and the words the shopper read.
        text_version text not null,
        text text not null,
        locale text not null check (locale in ('zh-CN', 'en-US')),
        checkout_session_id text not null references checkout_sessions(id),
        -- The shopper's address as the hosted page's server saw it.
        ip text,
        granted_at timestamptz not null default now()
      );
      create index customer_consents_customer on customer_consents (customer_id, granted_at desc);
      create index customer_consents_session on customer_consents (checkout_session_id);

      create table customer_verifications (
        id text primary key,
        merchant_id text not null references merchants(id),
        livemode boolean not null,
        checkout_session_id text not null references checkout_sessions(id),
        customer_id text not null references customers(id),
        -- HMAC-SHA256 of the E.164 phone: counts sends per phone without keeping the number.
        phone_hmac text not null,
        -- HMAC-SHA256 of '<id>.<code>': the code itself is only in the SMS.
        code_hmac text not null,
        ip text,
        -- The message that carries the code (messages.id), once requested.
        message_id text,
        failed_attempts integer not null default 0,
        expires_at timestamptz not null,
        verified_at timestamptz,
        created_at timestamptz not null default now()
      );
      -- The send limits: per phone and per IP address in the last hour, per session.
      create index customer_verifications_phone on customer_verifications (phone_hmac, created_at desc);
      create index customer_verifications_ip on customer_verifications (ip, created_at desc) where ip is not null;
      create index customer_verifications_session on customer_verifications (checkout_session_id);
    `);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists customer_verifications; drop table if exists customer_consents;');
  }
}
