import { openSandboxAccount, type TestSandbox } from '../sandbox.testing';

// Helpers for tests that open WeChat Pay sandbox accounts. Not used by the sandbox itself.

/** What `POST /_control/accounts {"provider":"wechatpay"}` answers. */
export interface WechatpaySandboxAccount {
  provider: 'wechatpay';
  mchid: string;
  appid: string;
  /** The 公众号's AppSecret, for web OAuth's code exchange. */
  app_secret: string;
  merchant_serial_no: string;
  merchant_private_key: string;
  merchant_public_key: string;
  api_v3_key: string;
  verification: 'public_key' | 'platform_certificate' | 'both';
  wechatpay_public_key_id?: string;
  wechatpay_public_key?: string;
  platform_certificates?: Array<{ serial_no: string; certificate: string }>;
  base_url: string;
}

export function openWechatpayAccount(
  sandbox: TestSandbox,
  options: Record<string, unknown> = {},
): Promise<WechatpaySandboxAccount> {
  return openSandboxAccount(sandbox, 'wechatpay', options);
}
