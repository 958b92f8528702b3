import { Migration } from '@mikro-orm/migrations';

/**
 * A message keeps the template content it was rendered from: a retry after an admin published a new
 * version sends what the stored body says, not the new text (and never an SMS missing a new variable).
 */
export class Migration20261203140000_message_template_content extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table messages add column template_content jsonb;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table messages drop column if exists template_content;`);
  }
}
