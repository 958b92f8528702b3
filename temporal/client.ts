import { Client, Connection } from '@temporalio/client';
import type { TemporalSettings } from './config';
import { tongbaoDataConverter } from './payload-codec';

/** A client whose payloads are encrypted with TONGBAO_PAYLOAD_KEY, like the worker's. */
export async function connectTemporal(settings: TemporalSettings): Promise<Client> {
  const connection = await Connection.connect({ address: settings.address });
  return new Client({
    connection,
    namespace: settings.namespace,
    dataConverter: tongbaoDataConverter(settings.payloadKey),
  });
}
