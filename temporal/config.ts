/** Where the API and the worker find Temporal; the stack runner sets these. */
export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  /** TONGBAO_PAYLOAD_KEY, base64 of 32 bytes: encrypts every payload Temporal stores (payload-codec.ts). */
  payloadKey: string;
}

export function temporalSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  return {
    address: env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    namespace: env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: env.TEMPORAL_TASK_QUEUE ?? 'tongbao',
    payloadKey: requiredPayloadKey(env),
  };
}

function requiredPayloadKey(env: NodeJS.ProcessEnv): string {
  const key = env.TONGBAO_PAYLOAD_KEY;
  if (!key) throw new Error('TONGBAO_PAYLOAD_KEY must be set (the stack runner sets it; see README "Configuration")');
  return key;
}
