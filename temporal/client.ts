import { Client, Connection, type ConnectionLike } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';
import type { TemporalSettings } from './config';
import { tongbaoDataConverter } from './payload-codec';

/** How a client is made: `traced` when tracing is on (runtime/tracing.ts), so its calls carry the trace to workflows. */
export interface ClientOptions {
  traced?: boolean;
}

/** A client whose payloads are encrypted with TONGBAO_PAYLOAD_KEY, like the worker's. */
export async function connectTemporal(settings: TemporalSettings, options: ClientOptions = {}): Promise<Client> {
  return temporalClient(await Connection.connect({ address: settings.address }), settings, options);
}

/**
 * The same client on a connection the caller already has: the worker passes its NativeConnection
 * (the Rust core's), so its activities start workflows without a second, JavaScript gRPC channel.
 * Traced, each start, update and signal is a span whose context goes to the workflow in its
 * headers (`@temporalio/interceptors-opentelemetry`); untraced, no interceptor runs at all.
 */
export function temporalClient(
  connection: ConnectionLike,
  settings: TemporalSettings,
  options: ClientOptions = {},
): Client {
  return new Client({
    connection,
    namespace: settings.namespace,
    dataConverter: tongbaoDataConverter(settings.payloadKey),
    ...(options.traced ? { interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } } : {}),
  });
}
