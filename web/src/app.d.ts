import type { RequestLocale } from '$lib/server/locale';

declare global {
  /** WeChat's in-app browser injects it (after the WeixinJSBridgeReady event). */
  interface Window {
    WeixinJSBridge?: {
      invoke(
        name: 'getBrandWCPayRequest',
        params: Record<string, string>,
        done: (result: { err_msg: string }) => void,
      ): void;
    };
  }

  namespace App {
    interface Locals {
      locale: RequestLocale;
    }
  }
}

export {};
