import type { SimulatorContext } from '../simulator';
import type { UnionpayAccounts } from './unionpay.accounts';
import {
  PROVIDER,
  type Answer,
  type Fields,
  type GatewayRefusal,
  type UnionpayMerchantSecrets,
} from './unionpay.model';
import { answerText, signFields, verifyFields } from './unionpay.signature';

/** Who signed a request, or why UnionPay refuses it before reading further. */
export type Authentication = { ok: true; merchant: UnionpayMerchantSecrets } | { ok: false; refusal: GatewayRefusal };

/** What every ACP message goes through: the request's envelope and signature checked, the answer signed. */
export class UnionpayMessages {
  constructor(
    private readonly context: SimulatorContext,
    private readonly accounts: UnionpayAccounts,
  ) {}

  /** The merchant who signed the request, or why UnionPay refuses it before reading further. */
  async authenticate(fields: Fields): Promise<Authentication> {
    const refuse = (respCode: string, detail: string) => ({ ok: false as const, refusal: { respCode, detail } });
    for (const name of [
      'version',
      'encoding',
      'signMethod',
      'merId',
      'certId',
      'signature',
      'accessType',
      'txnType',
    ] as const) {
      if (!fields[name]) return refuse('13', `${name} 不能为空`);
    }
    if (fields.version !== '5.1.0') return refuse('10', 'version 应为 5.1.0');
    if (fields.encoding.toUpperCase() !== 'UTF-8') return refuse('10', 'encoding 应为 UTF-8');
    if (fields.signMethod !== '01') return refuse('10', 'signMethod 应为 01');
    if (fields.accessType !== '0') return refuse('32', '仅支持商户直连接入 accessType=0');
    const merchant = await this.accounts.merchant(fields.merId);
    if (!merchant) return refuse('31', `商户 ${fields.merId} 不存在`);
    if (fields.certId !== merchant.cert_id) return refuse('11', `certId ${fields.certId} 不是该商户的签名证书`);
    if (!verifyFields(fields, merchant.cert_pem)) {
      this.context.logger.info(
        { provider: PROVIDER, mer_id: merchant.mer_id, txnType: fields.txnType },
        'request signature refused',
      );
      return refuse('11', '签名与报文不符');
    }
    return { ok: true, merchant };
  }

  /** The text UnionPay answers with: signed by its signing certificate, which travels along; `tamper` alters it afterwards. */
  async answerBody(fields: Answer, tamper = false): Promise<string> {
    const platform = await this.accounts.platform();
    const signed = signFields({ ...fields, signPubKeyCert: platform.sign_cert }, platform.sign_key);
    if (tamper) {
      if (signed.txnAmt) signed.txnAmt = String(Number(signed.txnAmt) + 100);
      else signed.sandboxTampered = 'true';
    }
    return answerText(signed);
  }
}
