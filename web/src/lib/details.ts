/**
 * The hosted page's "receipt and saved details" section: what the shopper typed, carried from one
 * form action to the next, and the API's refusals turned into the page's own error keys (each a
 * message in both languages). Shared by server and browser.
 */
import type { MaskedDetails, VerifiedDetails } from './checkout';
import type { ShippingAddress } from '../../../domain/customer';

/** The section's state, given back to the page after each action so that nothing typed is lost. */
export interface DetailsForm {
  phone: string;
  email: string;
  name: string;
  receipt: boolean;
  save: boolean;
  /** The verification in progress (the code was sent) or passed. */
  verification: string | null;
  /** The saved details as shown before the code is typed: masked. */
  masked: MaskedDetails | null;
  verified: boolean;
  /** A verified shopper's saved address, shown as saved (the section does not edit it). */
  address: ShippingAddress | null;
}

export type DetailsNotice = 'code_sent' | 'not_found' | 'verified';

export type DetailsError =
  | 'phone_invalid'
  | 'email_invalid'
  | 'receipt_contact'
  | 'save_phone'
  | 'verification_required'
  | 'code_format'
  | 'code_incorrect'
  | 'code_expired'
  | 'attempts'
  | 'limit_phone'
  | 'limit_ip'
  | 'limit_session'
  | 'rate_limited'
  | 'unavailable';

export const EMPTY_DETAILS: DetailsForm = {
  phone: '',
  email: '',
  name: '',
  receipt: false,
  save: false,
  verification: null,
  masked: null,
  verified: false,
  address: null,
};

/** A posted form, or the same fields kept in a cookie (URLSearchParams) across WeChat's OAuth. */
type Fields = Pick<FormData, 'get'> | Pick<URLSearchParams, 'get'>;

const field = (data: Fields, name: string): string => {
  const value = data.get(name);
  return typeof value === 'string' ? value.trim() : '';
};

/** The section's fields as the form posted them; the masked details and address come from the previous step. */
export function detailsFromForm(
  data: Fields,
  previous: Pick<DetailsForm, 'masked' | 'address'> | null = null,
): DetailsForm {
  const verification = field(data, 'details_verification');
  return {
    phone: field(data, 'details_phone'),
    email: field(data, 'details_email'),
    name: field(data, 'details_name'),
    receipt: data.get('details_receipt') === 'on',
    save: data.get('details_save') === 'on',
    verification: /^cver_[0-9A-Za-z]{1,64}$/.test(verification) ? verification : null,
    masked: previous?.masked ?? null,
    verified: data.get('details_verified') === 'true',
    address: previous?.address ?? null,
  };
}

/**
 * The masked details the page carried in a hidden field while the code is awaited, so that a wrong
 * code still shows whose details they are. Only shown back, never trusted; null when malformed.
 */
export function maskedFromForm(data: FormData): MaskedDetails | null {
  const raw = data.get('details_masked');
  if (typeof raw !== 'string' || !raw) return null;
  try {
    const value = JSON.parse(raw) as Partial<MaskedDetails>;
    if (typeof value.phone !== 'string') return null;
    return {
      phone: value.phone,
      email: typeof value.email === 'string' ? value.email : null,
      name: typeof value.name === 'string' ? value.name : null,
      has_shipping_address: value.has_shipping_address === true,
    };
  } catch {
    return null;
  }
}

/** The section filled with a verified shopper's saved details; what they had ticked stays ticked. */
export function filledWith(form: DetailsForm, saved: VerifiedDetails): DetailsForm {
  return {
    ...form,
    phone: saved.phone ?? form.phone,
    email: saved.email ?? form.email,
    name: saved.name ?? form.name,
    masked: null,
    verified: true,
    address: saved.shipping_address,
  };
}

/** The page's error for an API refusal of the details section, or null when it is about something else. */
export function detailsErrorOf(refusal: {
  status: number;
  code: string | null;
  param: string | null;
}): DetailsError | null {
  switch (refusal.code) {
    case 'verification_code_incorrect':
      return 'code_incorrect';
    case 'verification_code_expired':
      return 'code_expired';
    case 'verification_attempts_exceeded':
      return 'attempts';
    case 'verification_limit_phone':
      return 'limit_phone';
    case 'verification_limit_ip':
      return 'limit_ip';
    case 'verification_limit_session':
      return 'limit_session';
    case 'customer_verification_required':
      return 'verification_required';
  }
  if (refusal.status === 429) return 'rate_limited';
  switch (refusal.param) {
    case 'phone':
    case 'details[phone]':
      return refusal.code === 'parameter_missing' ? 'save_phone' : 'phone_invalid';
    case 'details[email]':
      return refusal.code === 'parameter_missing' ? 'receipt_contact' : 'email_invalid';
    case 'code':
      return 'code_format';
  }
  return null;
}
