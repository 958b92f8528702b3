/**
 * A provider account's credentials form (multipart) read into the API's `credentials` object: the
 * uploaded files' contents, PEM as text and binary files (.pfx) as base64, as the API's
 * providers/credentials-input.ts expects them. Nothing is kept or logged here.
 */
import { CREDENTIAL_FIELDS, EXTERNAL_ID_FIELD, type CredentialField } from '$lib/admin/provider-credentials';
import type { Provider } from '$lib/checkout';

const files = (form: FormData, name: string): File[] =>
  form.getAll(name).filter((value): value is File => typeof value !== 'string' && value.size > 0);

/** A text file as the person meant it: without a byte-order mark or the line end editors add. */
const fileText = async (file: File) => (await file.text()).replace(/^\uFEFF/, '').trim();

async function valueOf(form: FormData, field: CredentialField): Promise<string | string[] | undefined> {
  switch (field.input) {
    case 'text': {
      const value = form.get(field.name);
      return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
    }
    case 'secret': {
      // A password is sent as typed: spaces may be part of it.
      const value = form.get(field.name);
      return typeof value === 'string' && value !== '' ? value : undefined;
    }
    case 'pem':
    case 'key_file': {
      const [file] = files(form, field.name);
      return file ? fileText(file) : undefined;
    }
    case 'binary': {
      const [file] = files(form, field.name);
      return file ? Buffer.from(await file.arrayBuffer()).toString('base64') : undefined;
    }
    case 'pem_list': {
      const all = files(form, field.name);
      return all.length > 0 ? Promise.all(all.map(fileText)) : undefined;
    }
  }
}

/**
 * The credentials given in `form` for `provider`; a field left empty is left out (an edit then keeps
 * the stored one; a create is refused by the API, which names the field). An edit never sends the
 * account's external id: it cannot change.
 */
export async function credentialsFromForm(
  provider: Provider,
  form: FormData,
  purpose: 'create' | 'edit',
): Promise<Record<string, unknown>> {
  const credentials: Record<string, unknown> = {};
  for (const field of CREDENTIAL_FIELDS[provider]) {
    if (purpose === 'edit' && field.name === EXTERNAL_ID_FIELD[provider]) continue;
    const value = await valueOf(form, field);
    if (value !== undefined) credentials[field.name] = value;
  }
  return credentials;
}
