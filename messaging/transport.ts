/**
 * What the message workflow's activities need from a sender of SMS and email, whoever carries them:
 * Aliyun SMS (Dysmsapi 2017-05-25: SendSms, QuerySendDetails) and Aliyun Direct Mail (Dm 2015-11-23:
 * SingleSendMail) in live mode, the sandbox's implementation of the same protocol in test mode.
 * messaging/aliyun/ implements it on Aliyun's official SDKs; nothing else talks to Aliyun.
 */

/** An Aliyun account's credentials, as sealed in the database (never logged). */
export interface AliyunCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  /** The SMS signature (签名) Aliyun approved for this account, e.g. `通宝支付`. */
  signName: string;
  /** The Direct Mail sender address (AccountName), e.g. `no-reply@mail.example.com`. */
  senderAddress: string;
  /** The sender's display name (FromAlias). */
  fromAlias: string | null;
}

/** Where the SDK clients send: Aliyun's endpoints (https) in live mode, the sandbox (http) in test mode. */
export interface AliyunEndpoints {
  sms: { endpoint: string; protocol: 'https' | 'http' };
  mail: { endpoint: string; protocol: 'https' | 'http' };
}

export interface SmsRequest {
  /** One mainland number, digits only, e.g. `13800138000` (Aliyun also takes `+86`/`86` prefixes). */
  phone: string;
  signName: string;
  /** The code of the template Aliyun approved, e.g. `SMS_154950909`. */
  templateCode: string;
  /** The template's variables; Aliyun renders the text from its own copy of the template. */
  templateParam: Record<string, string>;
  /** Our message id (OutId), which receipts carry back. */
  outId: string;
}

export interface SmsSent {
  /** Aliyun's receipt id for the send, needed to query its delivery. */
  bizId: string;
  requestId: string;
}

/** QuerySendDetails' answer for one send: SendStatus 1 waiting, 2 failed, 3 delivered. */
export interface SmsReceipt {
  status: 'waiting' | 'failed' | 'delivered';
  /** The carrier's error code when it failed (e.g. `MOBILE_NOT_ON_SERVICE`), `DELIVERED` otherwise. */
  errorCode: string | null;
  /** When the handset received it (ReceiveDate), when it did. */
  receivedAt: string | null;
  /** The text as rendered and sent. */
  content: string | null;
}

export interface EmailRequest {
  to: string;
  subject: string;
  textBody: string;
  htmlBody: string | null;
}

export interface EmailSent {
  /** Direct Mail's id for the send (EnvId). */
  envId: string;
  requestId: string;
}

/**
 * One account's sender. Every method throws a MessageSendError on anything but success, `Code != "OK"`
 * on an HTTP 200 included (SendSms reports business errors that way).
 */
export interface MessageTransport {
  sendSms(request: SmsRequest): Promise<SmsSent>;
  /** The delivery receipt of one send; null while Aliyun has no record of it yet. */
  querySmsReceipt(input: { phone: string; bizId: string; sentAt: Date }): Promise<SmsReceipt | null>;
  /**
   * The BizId of an SMS sent to the phone with our OutId on the day of `sentAt`, or null: after a send
   * whose answer was lost (a timeout, a worker that died), whether Aliyun took it.
   */
  findSms(input: { phone: string; outId: string; sentAt: Date }): Promise<string | null>;
  sendEmail(request: EmailRequest): Promise<EmailSent>;
}

/**
 * - `retryable`: the provider's trouble (`isp.SYSTEM_ERROR`, 5xx, timeouts): send again soon.
 * - `throttled`: a rate limit (`isv.BUSINESS_LIMIT_CONTROL`, `Throttling.User`): send again after a backoff.
 * - `final`: asking again cannot help (`isv.MOBILE_NUMBER_ILLEGAL`, `isv.TEMPLATE_MISSING_PARAMETERS`,
 *   `isv.AMOUNT_NOT_ENOUGH`, a refused signature or AccessKey): the message ends failed or undeliverable.
 */
export type MessageErrorKind = 'retryable' | 'throttled' | 'final';

export class MessageSendError extends Error {
  constructor(
    message: string,
    readonly kind: MessageErrorKind,
    /** Aliyun's Code, e.g. `isv.BUSINESS_LIMIT_CONTROL`, or `http_<status>` / `network` when it gave none. */
    readonly code: string,
    readonly requestId: string | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MessageSendError';
  }
}
