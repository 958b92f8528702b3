import type { Tracer } from '@opentelemetry/api';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Database } from '../db/orm';
import type { SecretBox } from '../db/secret-box';
import type { OutboxDeps } from '../messaging/outbox';
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
  /** Set when tracing is on (runtime/tracing.ts): requests get a server span. */
  tracer?: Tracer | null;
}

/** What messaging/outbox.ts needs to send a message, from the API's dependencies. */
export function outboxDeps(deps: ApiDeps): OutboxDeps {
  return {
    db: deps.db,
    secretBox: deps.secretBox,
    temporal: deps.temporal,
    taskQueue: deps.temporalSettings.taskQueue,
    timeScale: deps.config.timeScale,
  };
}
