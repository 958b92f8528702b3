import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Database } from '../db/orm';
import type { SecretBox } from '../db/secret-box';
import type { AppConfig } from '../runtime/config';
import type { TemporalSettings } from '../temporal/config';

/** What the API's services are created with. */
export interface ApiDeps {
  config: AppConfig;
  db: Database;
  temporal: Client;
  temporalSettings: TemporalSettings;
  secretBox: SecretBox;
  logger: Logger;
}
