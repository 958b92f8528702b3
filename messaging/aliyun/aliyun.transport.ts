import Dm, * as $Dm from '@alicloud/dm20151123';
import Dysmsapi, * as $Dysmsapi from '@alicloud/dysmsapi20170525';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import type {
  AliyunCredentials,
  AliyunEndpoints,
  EmailRequest,
  EmailSent,
  MessageTransport,
  SmsReceipt,
  SmsRequest,
  SmsSent,
} from '../transport';
import { MessageSendError } from '../transport';
import { businessError, toMessageSendError } from './aliyun.errors';

/** Aliyun's public endpoints (live mode): SMS in China (Hangzhou) and Direct Mail in Hangzhou. */
export const ALIYUN_LIVE_ENDPOINTS: AliyunEndpoints = {
  sms: { endpoint: 'dysmsapi.aliyuncs.com', protocol: 'https' },
  mail: { endpoint: 'dm.aliyuncs.com', protocol: 'https' },
};

/** The sandbox's endpoints: the SDKs post to `/` of `host:port` over plain http. */
export function sandboxEndpoints(sandboxUrl: string): AliyunEndpoints {
  const host = new URL(sandboxUrl).host;
  return { sms: { endpoint: host, protocol: 'http' }, mail: { endpoint: host, protocol: 'http' } };
}

export interface AliyunTransportOptions {
  credentials: AliyunCredentials;
  endpoints: AliyunEndpoints;
  /** Per call; the message workflow retries, the SDK does not. Default 10 s to read, 5 s to connect. */
  readTimeoutMs?: number;
  connectTimeoutMs?: number;
}

/** How long after our `sentAt` Aliyun may still be taking the send (our timeout, with room). */
const MIDNIGHT_MARGIN_MS = 10 * 60_000;
/** Pages of 50 that findSms reads per day. */
const FIND_PAGES = 2;

/** Beijing-time `yyyyMMdd`, the SendDate QuerySendDetails wants. */
export function beijingSendDate(date: Date): string {
  return new Date(date.getTime() + 8 * 3_600_000).toISOString().slice(0, 10).replace(/-/g, '');
}

/** Aliyun's `yyyy-MM-dd HH:mm:ss` (Beijing time) as ISO 8601, or null when empty or unreadable. */
function beijingToIso(value: string | undefined): string | null {
  if (!value) return null;
  const parsed = new Date(`${value.replace(' ', 'T')}+08:00`);
  return Number.isNaN(parsed.getTime()) ? null : parsed.toISOString();
}

/**
 * One Aliyun account's MessageTransport on the official SDKs (Dysmsapi 2017-05-25 and Dm 2015-11-23,
 * both on @alicloud/openapi-core, signing ACS3-HMAC-SHA256). The credentials stay inside the SDK
 * clients; nothing here logs, and errors carry Aliyun's code and words only.
 */
export class AliyunTransport implements MessageTransport {
  private readonly sms: Dysmsapi;
  private readonly mail: Dm;

  constructor(private readonly options: AliyunTransportOptions) {
    const config = (endpoint: { endpoint: string; protocol: string }) =>
      new $OpenApiUtil.Config({
        accessKeyId: options.credentials.accessKeyId,
        accessKeySecret: options.credentials.accessKeySecret,
        endpoint: endpoint.endpoint,
        protocol: endpoint.protocol,
        readTimeout: options.readTimeoutMs ?? 10_000,
        connectTimeout: options.connectTimeoutMs ?? 5_000,
      });
    this.sms = new Dysmsapi(config(options.endpoints.sms));
    this.mail = new Dm(config(options.endpoints.mail));
  }

  async sendSms(request: SmsRequest): Promise<SmsSent> {
    let body: $Dysmsapi.SendSmsResponseBody | undefined;
    try {
      body = (
        await this.sms.sendSms(
          new $Dysmsapi.SendSmsRequest({
            phoneNumbers: request.phone,
            signName: request.signName,
            templateCode: request.templateCode,
            templateParam: JSON.stringify(request.templateParam),
            outId: request.outId,
          }),
        )
      ).body;
    } catch (error) {
      throw toMessageSendError('SendSms', error);
    }
    const requestId = body?.requestId ?? null;
    if (body?.code !== 'OK')
      throw businessError('SendSms', body?.code ?? 'missing_code', body?.message ?? '', requestId);
    if (!body.bizId) throw new MessageSendError('SendSms: OK without a BizId', 'retryable', 'malformed', requestId);
    return { bizId: body.bizId, requestId: requestId ?? '' };
  }

  /**
   * Aliyun files a send under the Beijing day it received it, which our `sentAt` (taken just
   * before the call) may precede across midnight: when the day of `sentAt` has no record and the
   * day a few minutes later is another, that day is asked too.
   */
  async querySmsReceipt(input: { phone: string; bizId: string; sentAt: Date }): Promise<SmsReceipt | null> {
    const day = beijingSendDate(input.sentAt);
    const found = await this.querySmsReceiptOn(input, day);
    const nextDay = beijingSendDate(new Date(input.sentAt.getTime() + MIDNIGHT_MARGIN_MS));
    return found ?? (nextDay !== day ? this.querySmsReceiptOn(input, nextDay) : null);
  }

  async findSms(input: { phone: string; outId: string; sentAt: Date }): Promise<string | null> {
    const days = new Set([
      beijingSendDate(input.sentAt),
      beijingSendDate(new Date(input.sentAt.getTime() + MIDNIGHT_MARGIN_MS)),
    ]);
    for (const sendDate of days) {
      // A number gets a few SMS a day (Aliyun's own limit is 10 for codes): two pages of 50 see them all.
      for (let page = 1; page <= FIND_PAGES; page++) {
        const details = await this.querySendDetails({
          phoneNumber: input.phone,
          sendDate,
          pageSize: 50,
          currentPage: page,
        });
        const match = details.find((detail) => detail.outId === input.outId && detail.bizId);
        if (match?.bizId) return match.bizId;
        if (details.length < 50) break;
      }
    }
    return null;
  }

  private async querySendDetails(
    request: ConstructorParameters<typeof $Dysmsapi.QuerySendDetailsRequest>[0],
  ): Promise<$Dysmsapi.QuerySendDetailsResponseBodySmsSendDetailDTOsSmsSendDetailDTO[]> {
    let body: $Dysmsapi.QuerySendDetailsResponseBody | undefined;
    try {
      body = (await this.sms.querySendDetails(new $Dysmsapi.QuerySendDetailsRequest(request))).body;
    } catch (error) {
      throw toMessageSendError('QuerySendDetails', error);
    }
    if (body?.code !== 'OK')
      throw businessError(
        'QuerySendDetails',
        body?.code ?? 'missing_code',
        body?.message ?? '',
        body?.requestId ?? null,
      );
    return body.smsSendDetailDTOs?.smsSendDetailDTO ?? [];
  }

  private async querySmsReceiptOn(
    input: { phone: string; bizId: string },
    sendDate: string,
  ): Promise<SmsReceipt | null> {
    const [detail] = await this.querySendDetails({
      phoneNumber: input.phone,
      bizId: input.bizId,
      sendDate,
      pageSize: 10,
      currentPage: 1,
    });
    if (!detail) return null;
    const status = detail.sendStatus === 3 ? 'delivered' : detail.sendStatus === 2 ? 'failed' : 'waiting';
    return {
      status,
      errorCode: status === 'waiting' ? null : detail.errCode || null,
      receivedAt: status === 'waiting' ? null : beijingToIso(detail.receiveDate),
      content: detail.content ?? null,
    };
  }

  /**
   * No TagName: Direct Mail's tags are a few categories created beforehand (CreateTag, about ten
   * per account), not a per-mail id; the EnvId it answers is what we keep to find a mail.
   * https://www.alibabacloud.com/help/en/direct-mail/api-dm-2015-11-23-createtag
   */
  async sendEmail(request: EmailRequest): Promise<EmailSent> {
    const { credentials } = this.options;
    let body: $Dm.SingleSendMailResponseBody | undefined;
    try {
      body = (
        await this.mail.singleSendMail(
          new $Dm.SingleSendMailRequest({
            accountName: credentials.senderAddress,
            addressType: 1,
            replyToAddress: false,
            toAddress: request.to,
            subject: request.subject,
            textBody: request.textBody,
            htmlBody: request.htmlBody ?? undefined,
            fromAlias: credentials.fromAlias ?? undefined,
          }),
        )
      ).body;
    } catch (error) {
      throw toMessageSendError('SingleSendMail', error);
    }
    const requestId = body?.requestId ?? null;
    if (!body?.envId)
      throw new MessageSendError('SingleSendMail: answer without an EnvId', 'retryable', 'malformed', requestId);
    return { envId: body.envId, requestId: requestId ?? '' };
  }
}
