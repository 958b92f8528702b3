import { Client, Connection, type ConnectionLike } from '@temporalio/client';
import type { TemporalSettings } from './config';
import { tongbaoDataConverter } from './payload-codec';

/** A client whose payloads are encrypted with TONGBAO_PAYLOAD_KEY, like the worker's. */
export async function connectTemporal(settings: TemporalSettings): Promise<Client> {
  return temporalClient(await Connection.connect({ address: settings.address }), settings);
}

/**
 * The same client on a connection the caller already has: the worker passes its NativeConnection
 * (the Rust core's), so its activities start workflows without a second, JavaScript gRPC channel.
 */
export function temporalClient(connection: ConnectionLike, settings: TemporalSettings): Client {
  return new Client({
    connection,
    namespace: settings.namespace,
    dataConverter: tongbaoDataConverter(settings.payloadKey),
  });
}
