import { Client, Connection } from '@temporalio/client';
import type { TemporalSettings } from './config';

export async function connectTemporal(settings: TemporalSettings): Promise<Client> {
  const connection = await Connection.connect({ address: settings.address });
  return new Client({ connection, namespace: settings.namespace });
}
