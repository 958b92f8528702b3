/** Names of providers and channels as the shopper reads them, through Paraglide's messages. */
import type { Channel, Provider } from './checkout';
import { m } from './paraglide/messages.js';

type Message = () => string;

const PROVIDER_NAMES: Record<Provider, Message> = {
  alipay: m.provider_alipay,
  wechatpay: m.provider_wechatpay,
  unionpay: m.provider_unionpay,
};

/**
 * `name` is what the shopper reads: the checkout offers one channel of a provider per device, so
 * two channels may share it ("WeChat Pay"). `full` tells every channel apart, for the consoles,
 * which list them side by side.
 */
const CHANNEL_NAMES: Record<Channel, { name: Message; hint: Message; full: Message }> = {
  alipay_pc: { name: m.channel_alipay_pc, hint: m.channel_alipay_pc_hint, full: m.channel_full_alipay_pc },
  alipay_qr: { name: m.channel_alipay_qr, hint: m.channel_alipay_qr_hint, full: m.channel_full_alipay_qr },
  alipay_wap: { name: m.channel_alipay_wap, hint: m.channel_alipay_wap_hint, full: m.channel_full_alipay_wap },
  wechat_native: {
    name: m.channel_wechat_native,
    hint: m.channel_wechat_native_hint,
    full: m.channel_full_wechat_native,
  },
  wechat_h5: { name: m.channel_wechat_h5, hint: m.channel_wechat_h5_hint, full: m.channel_full_wechat_h5 },
  wechat_jsapi: { name: m.channel_wechat_jsapi, hint: m.channel_wechat_jsapi_hint, full: m.channel_full_wechat_jsapi },
  unionpay_pc: { name: m.channel_unionpay_pc, hint: m.channel_unionpay_pc_hint, full: m.channel_full_unionpay_pc },
  unionpay_wap: { name: m.channel_unionpay_wap, hint: m.channel_unionpay_wap_hint, full: m.channel_full_unionpay_wap },
};

export const providerName = (provider: Provider): string => PROVIDER_NAMES[provider]();
export const channelName = (channel: Channel): string => CHANNEL_NAMES[channel].name();
/** The channel's own name, never shared with another channel: for the consoles' tables, filters and charts. */
export const channelFullName = (channel: Channel): string => CHANNEL_NAMES[channel].full();
export const channelHint = (channel: Channel): string => CHANNEL_NAMES[channel].hint();
