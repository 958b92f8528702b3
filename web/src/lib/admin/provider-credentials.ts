/**
 * The credentials a provider account is made from, as the admin console's form asks for them: one
 * input per field of the API's create body (providers/<provider>/<provider>.credentials-input.ts),
 * files for keys and certificates, text for ids. Shared by the page (which inputs to draw) and its
 * server action (how to read each into the body: PEM text, or base64 for a binary file).
 */
import type { components, operations } from '$api-types';
import { m } from '$lib/paraglide/messages.js';
import type { Provider } from '$lib/checkout';

export type ProviderAccount = components['schemas']['ProviderAccount'];
export type CredentialPart = components['schemas']['CredentialPart'];
export type ProviderAccountCheck = components['schemas']['ProviderAccountCheck'];
export type ChannelRoute = components['schemas']['ChannelRoute'];
/** The API's create and edit bodies: one shape per provider, told apart by `provider` (create) or the account (edit). */
export type CreateAccountBody =
  operations['postAdminMerchantsByIdProviderAccounts']['requestBody']['content']['application/json'];
export type UpdateAccountBody =
  operations['postAdminProviderAccountsById']['requestBody']['content']['application/json'];

/**
 * How a field is given: `text` typed in; `secret` typed in, never shown again; `pem` a text file
 * (a key or certificate); `pem_list` several such files; `binary` a file sent as base64 (.pfx);
 * `key_file` a text file whose content is the value itself (the APIv3 key), trimmed.
 */
export type FieldInput = 'text' | 'secret' | 'pem' | 'pem_list' | 'binary' | 'key_file';

export interface CredentialField {
  name: string;
  input: FieldInput;
  /** The API refuses a create without it (some optional fields are needed in pairs: the API names which). */
  required: boolean;
  /** The file picker's hint (`accept`), for file inputs. */
  accept?: string;
  label: () => string;
  /** The file's usual name at the provider, or what to type. */
  hint: () => string;
}

const PEM = '.pem,.crt,.cer,.key,.txt';

const f = (
  name: string,
  input: FieldInput,
  required: boolean,
  label: () => string,
  hint: () => string,
): CredentialField => ({
  name,
  input,
  required,
  label,
  hint,
  ...(input === 'binary' ? { accept: '.pfx,.p12' } : input === 'text' || input === 'secret' ? {} : { accept: PEM }),
});

/** Every provider's fields, in the order its merchant platform hands them out. */
export const CREDENTIAL_FIELDS: Record<Provider, readonly CredentialField[]> = {
  alipay: [
    f('app_id', 'text', true, m.admin_pa_field_app_id, m.admin_pa_hint_app_id),
    f('private_key', 'pem', true, m.admin_pa_field_private_key, m.admin_pa_hint_private_key),
    f('alipay_public_key', 'pem', true, m.admin_pa_field_alipay_public_key, m.admin_pa_hint_alipay_public_key),
    f('app_public_key', 'pem', false, m.admin_pa_field_app_public_key, m.admin_pa_hint_app_public_key),
  ],
  wechatpay: [
    f('mchid', 'text', true, m.admin_pa_field_mchid, m.admin_pa_hint_mchid),
    f('appid', 'text', true, m.admin_pa_field_appid, m.admin_pa_hint_appid),
    f('merchant_private_key', 'pem', true, m.admin_pa_field_merchant_private_key, m.admin_pa_hint_merchant_private_key),
    f(
      'merchant_certificate',
      'pem',
      false,
      m.admin_pa_field_merchant_certificate,
      m.admin_pa_hint_merchant_certificate,
    ),
    f('merchant_serial_no', 'text', false, m.admin_pa_field_merchant_serial_no, m.admin_pa_hint_merchant_serial_no),
    f('api_v3_key', 'key_file', true, m.admin_pa_field_api_v3_key, m.admin_pa_hint_api_v3_key),
    f('app_secret', 'secret', false, m.admin_pa_field_app_secret, m.admin_pa_hint_app_secret),
    f(
      'wechatpay_public_key_id',
      'text',
      false,
      m.admin_pa_field_wechatpay_public_key_id,
      m.admin_pa_hint_public_key_id,
    ),
    f(
      'wechatpay_public_key',
      'pem',
      false,
      m.admin_pa_field_wechatpay_public_key,
      m.admin_pa_hint_wechatpay_public_key,
    ),
    f(
      'platform_certificates',
      'pem_list',
      false,
      m.admin_pa_field_platform_certificates,
      m.admin_pa_hint_platform_certs,
    ),
  ],
  unionpay: [
    f('mer_id', 'text', true, m.admin_pa_field_mer_id, m.admin_pa_hint_mer_id),
    f('sign_cert_pfx', 'binary', true, m.admin_pa_field_sign_cert_pfx, m.admin_pa_hint_sign_cert_pfx),
    f('sign_cert_password', 'secret', true, m.admin_pa_field_sign_cert_password, m.admin_pa_hint_sign_cert_password),
    f('root_cert', 'pem', true, m.admin_pa_field_root_cert, m.admin_pa_hint_root_cert),
    f('middle_cert', 'pem', true, m.admin_pa_field_middle_cert, m.admin_pa_hint_middle_cert),
  ],
};

/** The field naming the account at its provider: fixed once the account exists, so an edit does not ask for it. */
export const EXTERNAL_ID_FIELD: Record<Provider, string> = { alipay: 'app_id', wechatpay: 'mchid', unionpay: 'mer_id' };

/** The fields a create (all) or an edit (all but the external id, which cannot change) asks for. */
export const formFields = (provider: Provider, purpose: 'create' | 'edit'): readonly CredentialField[] =>
  CREDENTIAL_FIELDS[provider].filter((field) => purpose === 'create' || field.name !== EXTERNAL_ID_FIELD[provider]);

/** A field's label by its API name (`credentials[private_key]` or `private_key`); the name itself when unknown. */
export function credentialFieldLabel(provider: Provider, name: string): string {
  const bare = name.replace(/^credentials\[([^\]]+)\].*$/, '$1');
  return CREDENTIAL_FIELDS[provider].find((field) => field.name === bare)?.label() ?? name;
}

/** The form input's name for a field of an account's edit form (several forms share a page). */
export const inputId = (form: string, field: string) => `${form}-${field}`;
