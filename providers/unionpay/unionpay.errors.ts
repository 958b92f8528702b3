import { assertNever } from '../../domain/assert-never';
import {
  httpStatusError,
  ProviderDeclinedError,
  ProviderInvalidRequestError,
  ProviderUnavailableError,
  type ProviderError,
} from '../errors';

/** Everything that can go wrong with one gateway call. */
export type UnionpayFailure =
  /** UnionPay answered (signed) with a respCode the caller cannot use. */
  | { kind: 'response'; respCode: string; respMsg: string | null }
  /** The gateway answered with an HTTP status other than 200. */
  | { kind: 'http'; status: number }
  /** No answer: timeout, refused connection, reset. */
  | { kind: 'transport'; message: string }
  /** An answer whose signature or signing certificate does not verify, or that carries none. */
  | { kind: 'signature'; message: string }
  /** An answer that is not what UnionPay sends (unparseable, another order, a missing field). */
  | { kind: 'malformed'; message: string };

/**
 * What a respCode means for the call that got it. `ok` and `in_progress` are outcomes the caller
 * handles; `not_found` is respCode 34, which a query reads as "no such order".
 */
export type UnionpayRespClass = 'ok' | 'in_progress' | 'not_found' | 'invalid_request' | 'declined' | 'unavailable';

/**
 * respCode → what it means for us. UnionPay's list (ACP 5.1.0, 平台接入接口规范 第5部分 附录 应答码):
 * https://open.unionpay.com/ajweb/help/respCode/respCodeList
 */
export const UNIONPAY_RESP_CODES: Readonly<Record<string, UnionpayRespClass>> = {
  '00': 'ok', // 成功
  A6: 'ok', // 有缺陷的成功: taken, with a defect UnionPay reconciles itself
  // "Ask again later": the outcome is not known yet.
  '03': 'in_progress', // 交易通讯超时，请发起查询交易
  '04': 'in_progress', // 交易状态未明，请查询对账结果
  '05': 'in_progress', // 交易已受理，请稍后查询交易结果
  '70': 'in_progress', // 交易已跳转，等待持卡人输入
  '74': 'in_progress', // 扣款成功，销账未知
  '83': 'in_progress', // 发卡行（渠道）处理中
  '34': 'not_found', // 查无此交易
  // UnionPay's own trouble: retrying may succeed.
  '02': 'unavailable', // 系统未开放或暂时关闭，请稍后再试
  '06': 'unavailable', // 系统繁忙，请稍后再试
  '37': 'unavailable', // 已超过最大查询次数或操作过于频繁
  '39': 'unavailable', // 交易不在受理时间范围内 (e.g. refunds during the nightly cut-over)
  '99': 'unavailable', // 通用错误
  // The request itself is wrong: our bug or our configuration.
  '10': 'invalid_request', // 报文格式错误
  '11': 'invalid_request', // 验证签名失败
  '12': 'invalid_request', // 重复交易 (the caller reads it as "already sent" where that makes sense)
  '13': 'invalid_request', // 报文交易要素缺失
  '14': 'invalid_request', // 批量文件格式错误
  '31': 'invalid_request', // 商户状态不正确
  '32': 'invalid_request', // 无此交易权限
  '41': 'invalid_request', // 批量状态不正确，无法下载
  '43': 'invalid_request', // 无此业务权限
  '44': 'invalid_request', // 输入号码错误或暂未开通此项业务
  '98': 'invalid_request', // 文件不存在
  // Business refusals: the answer will not change if we ask again.
  '01': 'declined', // 交易失败
  '30': 'declined', // 交易未通过
  '33': 'declined', // 交易金额超限 (also a refund over what is left)
  '35': 'declined', // 原交易不存在或状态不正确
  '36': 'declined', // 与原交易信息不符
  '38': 'declined', // 银联风险受限
  '40': 'declined', // 绑定关系检查失败
  '42': 'declined', // 扣款成功但交易超过规定支付时间
  '45': 'declined', // 原交易已被成功退货或已被成功撤销
  '46': 'declined', // 交易已被成功冲正
  '60': 'declined', // 交易失败，详情请咨询您的发卡行
  '61': 'declined', // 输入的卡号无效
  '62': 'declined', // 发卡银行不支持该商户
  '63': 'declined', // 卡状态不正确
  '64': 'declined', // 卡上的余额不足
  '65': 'declined', // 输入的密码、有效期或CVN2有误
  '66': 'declined', // 持卡人身份信息或手机号输入不正确
  '67': 'declined', // 密码输入次数超限
  '68': 'declined', // 您的银行卡暂不支持该业务
  '69': 'declined', // 您的输入超时，交易失败
  '71': 'declined', // 动态口令或短信验证码校验失败
  '72': 'declined', // 尚未签约无卡支付业务
  '73': 'declined', // 支付卡已超过有效期
  '75': 'declined', // 扣款成功，销账失败
  '78': 'declined', // 发卡行交易权限受限
  '81': 'declined', // 月累计交易笔数(金额)超限
};

/** The class of a respCode; one UnionPay has added since this table was written counts as unavailable. */
export function respClassOf(respCode: string): UnionpayRespClass {
  // An unknown code might be a new kind of outage: retrying (boundedly) is the safer guess.
  return UNIONPAY_RESP_CODES[respCode] ?? 'unavailable';
}

/** The one place where a UnionPay failure becomes a ProviderError; `call` (e.g. `queryTrans`) goes into the message. */
export function classifyUnionpayFailure(failure: UnionpayFailure, call: string): ProviderError {
  switch (failure.kind) {
    case 'response': {
      const message = `UnionPay ${call} failed: respCode ${failure.respCode}${failure.respMsg ? ` ${failure.respMsg}` : ''}`;
      const cls = respClassOf(failure.respCode);
      switch (cls) {
        case 'declined':
          return new ProviderDeclinedError(message, failure.respCode);
        // not_found: 34 where the caller expected the order to exist (e.g. the consume a refund names).
        case 'invalid_request':
        case 'not_found':
          return new ProviderInvalidRequestError(message, failure.respCode);
        // ok, in_progress: an answer the caller could not use; asking again is all we can do.
        case 'unavailable':
        case 'ok':
        case 'in_progress':
          return new ProviderUnavailableError(message, failure.respCode);
        default:
          return assertNever(cls);
      }
    }
    case 'http':
      return httpStatusError(`UnionPay ${call} answered HTTP ${failure.status}`, failure.status);
    case 'transport':
      return new ProviderUnavailableError(`UnionPay ${call} could not be reached: ${failure.message}`, 'network_error');
    case 'signature':
      // Never accepted, but retried: the next attempt may reach the real gateway (a proxy or an
      // attacker may have answered this one), and a certificate rotation shows up here first.
      return new ProviderUnavailableError(
        `UnionPay ${call} answer failed signature verification (signPubKeyCert and signature checked against the configured root and middle certificates); it was not trusted. ${failure.message}`,
        'response_signature_invalid',
      );
    case 'malformed':
      return new ProviderUnavailableError(
        `UnionPay ${call} answered something unexpected: ${failure.message}`,
        'malformed_response',
      );
    default:
      return assertNever(failure);
  }
}
