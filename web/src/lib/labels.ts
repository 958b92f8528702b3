/** Names of providers and channels as the shopper reads them, through Paraglide's messages. */
import type { Channel, Provider } from './checkout';
import { m } from './paraglide/messages.js';

type Message = () => string;

const PROVIDER_NAMES: Record<Provider, Message> = {
  alipay: m.provider_alipay,
  wechatpay: m.provider_wechatpay,
  unionpay: m.provider_unionpay,
};

const CHANNEL_NAMES: Record<Channel, { name: Message; hint: Message }> = {
  alipay_pc: { name: m.channel_alipay_pc, hint: m.channel_alipay_pc_hint },
  alipay_qr: { name: m.channel_alipay_qr, hint: m.channel_alipay_qr_hint },
  alipay_wap: { name: m.channel_alipay_wap, hint: m.channel_alipay_wap_hint },
  wechat_native: { name: m.channel_wechat_native, hint: m.channel_wechat_native_hint },
  wechat_h5: { name: m.channel_wechat_h5, hint: m.channel_wechat_h5_hint },
  wechat_jsapi: { name: m.channel_wechat_jsapi, hint: m.channel_wechat_jsapi_hint },
  unionpay_pc: { name: m.channel_unionpay_pc, hint: m.channel_unionpay_pc_hint },
  unionpay_wap: { name: m.channel_unionpay_wap, hint: m.channel_unionpay_wap_hint },
};

export const providerName = (provider: Provider): string => PROVIDER_NAMES[provider]();
export const channelName = (channel: Channel): string => CHANNEL_NAMES[channel].name();
export const channelHint = (channel: Channel): string => CHANNEL_NAMES[channel].hint();
