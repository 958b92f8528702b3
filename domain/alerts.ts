import type { MessageLocale } from './message';

/**
 * Who hears of what needs a platform operator (a refund in requires_attention), by e-mail and SMS
 * through the message workflow. From TONGBAO_ALERT_TO and TONGBAO_ALERT_LOCALE (runtime/config.ts).
 */
export interface AlertSettings {
  /** E-mail addresses and phones; empty: no alerts are sent. */
  to: string[];
  locale: MessageLocale;
  /** The web app's base URL: alerts link to its admin console. */
  consoleUrl: string;
}
