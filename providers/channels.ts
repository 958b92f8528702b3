import type { Channel } from '../domain/payment';
import { ProviderInvalidRequestError } from './errors';

/**
 * The channel a create asks for, as one of the adapter's own; another provider's channel is an
 * invalid request. Adapters then switch over their own channels alone, so a new provider's
 * channels change nothing in the others.
 *
 * ```ts
 * const channel = servedChannel(CHANNELS, input.channel, 'UnionPay'); // 'unionpay_pc' | 'unionpay_wap'
 * ```
 */
export function servedChannel<C extends Channel>(channels: readonly C[], channel: Channel, provider: string): C {
  if (!isOneOf(channels, channel))
    throw new ProviderInvalidRequestError(`${provider} does not serve the ${channel} channel`);
  return channel;
}

const isOneOf = <C extends Channel>(channels: readonly C[], channel: Channel): channel is C =>
  (channels as readonly Channel[]).includes(channel);
