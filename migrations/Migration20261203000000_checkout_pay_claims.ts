import { Migration } from '@mikro-orm/migrations';

/**
 * Pays on one checkout session take turns: a pay claims the session (`pay_claim`, lapsing at
 * `pay_claimed_until`) while it makes the payment, and records the payment only if it still holds
 * the claim and the session is still open. A checkout session holds one of its coupon's redemptions from its first pay on the page, taken
 * by a conditional increment so that a limit cannot be exceeded by sessions paid at once; it
 * gives it back when it ends unpaid. Sessions paid before this counted theirs at success.
 */
export class Migration20261203000000_checkout_pay_claims extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table checkout_sessions add column coupon_redeemed boolean not null default false, add column pay_claim text, add column pay_claimed_until timestamptz;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(
      `alter table checkout_sessions drop column if exists coupon_redeemed, drop column if exists pay_claim, drop column if exists pay_claimed_until;`,
    );
  }
}
