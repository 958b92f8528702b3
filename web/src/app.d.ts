import type { RequestLocale } from '$lib/server/locale';
import type { AdminLocals } from '$lib/server/admin-session';
import type { ConsoleLocals } from '$lib/server/console-session';

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
      /** Set on /dashboard requests (hooks.server.ts): the signed-in person, the merchant and mode shown. */
      console?: ConsoleLocals;
      /** Set on /admin requests (hooks.server.ts): the signed-in staff member and their permissions. */
      admin?: AdminLocals;
    }
  }
}

export {};
