import type { Request, Response } from 'express';
import { answerApiFailure, pause } from '../fault-answers';
import type { SimulatorContext } from '../simulator';
import { randomDigits } from '../random';
import type { AliyunMessages } from './aliyun.messages';
import {
  beijingDay,
  beijingTime,
  DM_VERSION,
  PROVIDER,
  renderTemplate,
  requestId,
  SMS_VERSION,
  type AliyunSecrets,
} from './aliyun.model';
import {
  acs3Signature,
  ACS3_HMAC_SHA256,
  canonicalRequest,
  parseAuthorization,
  parseQuery,
  sha256Hex,
  signaturesEqual,
} from './aliyun.signature';
import type { AliyunTemplates } from './aliyun.templates';

/** An answer outside the business: Aliyun's gateway refusing the call, with its HTTP status. */
class AcsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Headers the gateway insists are signed: without them a signature would not bind the call. */
const REQUIRED_SIGNED = [
  'host',
  'x-acs-action',
  'x-acs-version',
  'x-acs-date',
  'x-acs-signature-nonce',
  'x-acs-content-sha256',
];
/** How far x-acs-date may be from the sandbox's clock, as Aliyun allows. */
const CLOCK_SKEW_MS = 15 * 60_000;

const MAINLAND_MOBILE = /^1[3-9]\d{9}$/;

/** A mainland number as the sandbox files it: digits, without +86 / 0086 / 86. */
export function normalizePhone(raw: string): string {
  const trimmed = raw.trim().replace(/[\s-]/g, '');
  const match = /^(?:\+86|0086|86)?(1\d{10})$/.exec(trimmed);
  return match ? match[1] : trimmed;
}

const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/;

export interface AliyunApiDeps {
  context: SimulatorContext;
  templates: AliyunTemplates;
  messages: AliyunMessages;
  accountByKeyId(accessKeyId: string): Promise<AliyunSecrets | null>;
}

/**
 * Aliyun's RPC-style OpenAPI as the SDKs reach it: `POST /` with the action and version in
 * `x-acs-action` / `x-acs-version`, the parameters in the query (Dysmsapi) or a form body (Dm), and
 * an ACS3-HMAC-SHA256 signature. Gateway refusals (signature, AccessKey, throttling) are HTTP 4xx;
 * SendSms and QuerySendDetails answer business errors on HTTP 200 with `Code` other than `OK`.
 */
export class AliyunApi {
  /** Nonces seen in the last CLOCK_SKEW_MS: Aliyun refuses a replayed signature nonce. */
  private readonly nonces = new Map<string, number>();

  constructor(private readonly deps: AliyunApiDeps) {}

  async handle(req: Request, res: Response): Promise<void> {
    const rid = requestId();
    try {
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const rawQuery = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
      const query = parseQuery(rawQuery);
      const account = await this.authenticate(req, query, rawBody);
      const action = String(req.headers['x-acs-action']);
      const version = String(req.headers['x-acs-version']);
      const form =
        rawBody.length > 0 && String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
          ? parseQuery(rawBody.toString('utf8'))
          : {};
      const params = { ...query, ...form };

      const faults = this.deps.context.faults.api(
        { provider: PROVIDER, accountId: account.access_key_id, outTradeNo: params.OutId ?? null },
        action,
      );
      const failed = await answerApiFailure(
        res,
        faults,
        () => {
          if (action === 'SingleSendMail')
            throw new AcsError(500, 'InternalError', 'The request processing has failed due to some unknown error.');
          res.json({ RequestId: rid, Code: 'isp.SYSTEM_ERROR', Message: 'isp.SYSTEM_ERROR' });
        },
        () => {
          if (action === 'SendSms') {
            res.json({ RequestId: rid, Code: 'isv.BUSINESS_LIMIT_CONTROL', Message: '触发分钟级流控Permits:1' });
            return;
          }
          throw new AcsError(400, 'Throttling.User', 'Request was denied due to user flow control.');
        },
      );
      if (failed) return;
      await pause(faults.slowMs);

      if (version === SMS_VERSION && action === 'SendSms')
        res.json({ RequestId: rid, ...(await this.sendSms(account, params)) });
      else if (version === SMS_VERSION && action === 'QuerySendDetails')
        res.json({ RequestId: rid, ...(await this.querySendDetails(account, params)) });
      else if (version === DM_VERSION && action === 'SingleSendMail')
        res.json({ RequestId: rid, ...(await this.singleSendMail(account, params)) });
      else
        throw new AcsError(
          404,
          'InvalidAction.NotFound',
          `Specified api is not found, please check your url and method.`,
        );
    } catch (error) {
      if (!(error instanceof AcsError)) throw error;
      res.status(error.status).json({
        RequestId: rid,
        HostId: String(req.headers.host ?? ''),
        Code: error.code,
        Message: error.message,
        Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(error.code)}`,
      });
    }
  }

  /** Checks the V3 signature and answers the account it was made with. */
  private async authenticate(req: Request, query: Record<string, string>, rawBody: Buffer): Promise<AliyunSecrets> {
    const auth = parseAuthorization(req.headers.authorization);
    if (!auth)
      throw new AcsError(400, 'IncompleteSignature', 'The request signature does not conform to Aliyun standards.');
    if (auth.algorithm !== ACS3_HMAC_SHA256)
      throw new AcsError(
        400,
        'InvalidSignatureMethod',
        `Specified signature method ${auth.algorithm} is not supported.`,
      );
    const signed = new Set(auth.signedHeaders.map((name) => name.toLowerCase()));
    const unsigned = [
      ...REQUIRED_SIGNED,
      ...Object.keys(req.headers).filter((name) => name.startsWith('x-acs-')),
    ].filter((name) => !signed.has(name));
    if (unsigned.length > 0)
      throw new AcsError(
        400,
        'IncompleteSignature',
        `The request signature does not conform to Aliyun standards: ${unsigned[0]} is not signed.`,
      );
    const account = await this.deps.accountByKeyId(auth.accessKeyId);
    if (!account) throw new AcsError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');

    const payloadHash = sha256Hex(rawBody);
    const expected = acs3Signature(
      account.access_key_secret,
      canonicalRequest({
        method: req.method,
        path: req.path,
        query,
        headers: req.headers,
        signedHeaders: [...signed],
        payloadHash,
      }),
    );
    if (req.headers['x-acs-content-sha256'] !== payloadHash || !signaturesEqual(expected, auth.signature))
      throw new AcsError(400, 'SignatureDoesNotMatch', 'Specified signature does not match our calculation.');

    const date = Date.parse(String(req.headers['x-acs-date']));
    if (!Number.isFinite(date) || Math.abs(Date.now() - date) > CLOCK_SKEW_MS)
      throw new AcsError(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.');
    const nonce = `${auth.accessKeyId}/${String(req.headers['x-acs-signature-nonce'])}`;
    const now = Date.now();
    for (const [seen, at] of this.nonces) if (now - at > CLOCK_SKEW_MS) this.nonces.delete(seen);
    if (this.nonces.has(nonce))
      throw new AcsError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
    this.nonces.set(nonce, now);
    return account;
  }

  private async sendSms(account: AliyunSecrets, params: Record<string, string>): Promise<Record<string, unknown>> {
    for (const name of ['PhoneNumbers', 'SignName', 'TemplateCode'] as const) {
      if (!params[name]) throw new AcsError(400, `Missing${name}`, `${name} is mandatory for this action.`);
    }
    const phones = params.PhoneNumbers.split(',').map(normalizePhone);
    if (phones.length > 1000) return { Code: 'isv.MOBILE_COUNT_OVER_LIMIT', Message: '手机号码数量超过限制' };
    if (phones.some((phone) => !MAINLAND_MOBILE.test(phone)))
      return { Code: 'isv.MOBILE_NUMBER_ILLEGAL', Message: `${params.PhoneNumbers}invalid` };
    if (params.SignName !== account.sign_name)
      return { Code: 'isv.SMS_SIGNATURE_ILLEGAL', Message: '该账号下找不到对应签名' };
    const template = await this.deps.templates.find(account.access_key_id, params.TemplateCode);
    if (!template) return { Code: 'isv.SMS_TEMPLATE_ILLEGAL', Message: '该账号下找不到对应模板' };

    let templateParam: Record<string, string> = {};
    if (params.TemplateParam !== undefined && params.TemplateParam !== '') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(params.TemplateParam);
      } catch {
        return { Code: 'isv.INVALID_JSON_PARAM', Message: 'JSON参数不合法,只接受字符串值' };
      }
      if (
        parsed === null ||
        typeof parsed !== 'object' ||
        Array.isArray(parsed) ||
        Object.values(parsed).some((value) => typeof value !== 'string')
      )
        return { Code: 'isv.INVALID_JSON_PARAM', Message: 'JSON参数不合法,只接受字符串值' };
      templateParam = parsed as Record<string, string>;
    }
    const missing = template.params.filter((name) => !templateParam[name]);
    if (missing.length > 0)
      return { Code: 'isv.TEMPLATE_MISSING_PARAMETERS', Message: `模板变量缺少对应参数值: ${missing.join(',')}` };

    const timeScale = this.deps.context.timeScale;
    for (const phone of phones) {
      const broken = await this.deps.messages.limitBroken(account.access_key_id, phone, account.sms_limits, timeScale);
      if (broken) {
        const word = { minute: '分钟级', hour: '小时级', day: '天级' }[broken.window];
        return { Code: 'isv.BUSINESS_LIMIT_CONTROL', Message: `触发${word}流控Permits:${broken.permits}` };
      }
    }

    const bizId = `${randomDigits(18)}^0`;
    const sentAt = new Date();
    const deliverAt = new Date(sentAt.getTime() + account.receipt_delay_ms / timeScale);
    const body = `【${account.sign_name}】${renderTemplate(template.content, templateParam)}`;
    const outId = params.OutId || null;
    for (const phone of phones) {
      const failure = this.deps.context.faults.smsReceiptFailure({
        provider: PROVIDER,
        accountId: account.access_key_id,
        outTradeNo: outId,
      });
      await this.deps.messages.insert({
        accountId: account.access_key_id,
        channel: 'sms',
        to: phone,
        signName: account.sign_name,
        templateCode: template.template_code,
        templateParam,
        subject: null,
        body,
        htmlBody: null,
        bizId,
        outId,
        sentAt,
        deliverAt,
        outcome: failure ? 'failed' : 'delivered',
        errorCode: failure,
      });
    }
    return { Code: 'OK', Message: 'OK', BizId: bizId };
  }

  private async querySendDetails(
    account: AliyunSecrets,
    params: Record<string, string>,
  ): Promise<Record<string, unknown>> {
    for (const name of ['PhoneNumber', 'SendDate', 'PageSize', 'CurrentPage'] as const) {
      if (!params[name]) throw new AcsError(400, `Missing${name}`, `${name} is mandatory for this action.`);
    }
    const pageSize = Number(params.PageSize);
    const page = Number(params.CurrentPage);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 50 || !Number.isInteger(page) || page < 1)
      return { Code: 'isv.INVALID_PARAMETERS', Message: 'PageSize must be 1-50 and CurrentPage at least 1' };
    const day = /^(\d{4})(\d{2})(\d{2})$/.exec(params.SendDate);
    if (!day) return { Code: 'isv.QUERY_DATE_ILLEGAL', Message: 'SendDate must be yyyyMMdd' };
    const dayStart = new Date(`${day[1]}-${day[2]}-${day[3]}T00:00:00+08:00`);
    if (Number.isNaN(dayStart.getTime()) || beijingDay(dayStart) !== params.SendDate)
      return { Code: 'isv.QUERY_DATE_ILLEGAL', Message: 'SendDate must be yyyyMMdd' };
    const phone = normalizePhone(params.PhoneNumber);
    if (!MAINLAND_MOBILE.test(phone))
      return { Code: 'isv.MOBILE_NUMBER_ILLEGAL', Message: `${params.PhoneNumber}invalid` };

    const all = await this.deps.messages.smsFor(account.access_key_id, phone, dayStart, params.BizId || null);
    const now = new Date();
    const details = all.slice((page - 1) * pageSize, page * pageSize).map((message) => {
      const done = now >= message.deliverAt;
      return {
        PhoneNum: message.to,
        SendStatus: !done ? 1 : message.outcome === 'delivered' ? 3 : 2,
        ErrCode: !done ? '' : message.outcome === 'delivered' ? 'DELIVERED' : (message.errorCode ?? 'UNKNOWN'),
        TemplateCode: message.templateCode,
        Content: message.body,
        SendDate: beijingTime(message.sentAt),
        ReceiveDate: done ? beijingTime(message.deliverAt) : '',
        OutId: message.outId ?? '',
      };
    });
    return {
      Code: 'OK',
      Message: 'OK',
      TotalCount: all.length,
      SmsSendDetailDTOs: { SmsSendDetailDTO: details },
    };
  }

  private async singleSendMail(
    account: AliyunSecrets,
    params: Record<string, string>,
  ): Promise<Record<string, unknown>> {
    if (!params.AccountName) throw new AcsError(400, 'MissingAccountName', 'AccountName is mandatory for this action.');
    if (params.AccountName.toLowerCase() !== account.sender_address.toLowerCase())
      throw new AcsError(404, 'InvalidMailAddress.NotFound', 'The specified mail address is not found.');
    if (params.AddressType !== '0' && params.AddressType !== '1')
      throw new AcsError(400, 'InvalidAddressType', 'The specified address type is invalid.');
    if (!params.ToAddress) throw new AcsError(400, 'MissingToAddress', 'ToAddress is mandatory for this action.');
    const recipients = params.ToAddress.split(',').map((address) => address.trim());
    if (recipients.length > 100 || recipients.some((address) => !EMAIL.test(address)))
      throw new AcsError(400, 'InvalidToAddress', 'The specified toAddress is invalid.');
    // SingleSendMail: "The subject cannot exceed 100 characters in length."
    if (!params.Subject || [...params.Subject].length > 100)
      throw new AcsError(400, 'InvalidSubject.Malformed', 'The specified subject is invalid.');
    if (!params.HtmlBody && !params.TextBody)
      throw new AcsError(400, 'InvalidBody', 'The specified body is invalid: HtmlBody or TextBody is required.');

    const envId = randomDigits(12);
    const sentAt = new Date();
    for (const to of recipients) {
      await this.deps.messages.insert({
        accountId: account.access_key_id,
        channel: 'email',
        to,
        signName: params.FromAlias || null,
        templateCode: null,
        templateParam: null,
        subject: params.Subject,
        body: params.TextBody || params.HtmlBody,
        htmlBody: params.HtmlBody || null,
        bizId: envId,
        outId: params.TagName || null,
        sentAt,
        deliverAt: sentAt,
        outcome: 'delivered',
        errorCode: null,
      });
    }
    return { EnvId: envId };
  }
}
