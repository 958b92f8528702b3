/**
 * A provider account's credentials form (multipart) read into the API's `credentials` object: the
 * uploaded files' contents, PEM as text and binary files (.pfx) as base64, as the API's
 * providers/credentials-input.ts expects them. Nothing is kept or logged here.
 */
// Type imports only: the root's jest runs this file's test without SvelteKit's $lib.
import type { CredentialField } from '$lib/admin/provider-credentials';

const files = (form: FormData, name: string): File[] =>
  form.getAll(name).filter((value): value is File => typeof value !== 'string' && value.size > 0);

/** A text file as the person meant it: without a byte-order mark or the line end editors add. */
const fileText = async (file: File) => (await file.text()).replace(/^\uFEFF/, '').trim();

/**
 * A key or certificate file: PEM (or the bare base64 some providers' tools print) is text and sent
 * as it is; a binary DER file (a `.cer` or `.der` saved that way) is sent as its base64, which the
 * API reads as DER.
 */
async function keyFile(file: File): Promise<string> {
  const bytes = Buffer.from(await file.arrayBuffer());
  const text = bytes
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trim();
  return /^[\t\n\r\x20-\x7e]*$/.test(text) ? text : bytes.toString('base64');
}

async function valueOf(
  form: FormData,
  field: Pick<CredentialField, 'name' | 'input'>,
): Promise<string | string[] | undefined> {
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
    case 'pem': {
      const [file] = files(form, field.name);
      return file ? keyFile(file) : undefined;
    }
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
      return all.length > 0 ? Promise.all(all.map(keyFile)) : undefined;
    }
  }
}

/**
 * The credentials given in `form` for `fields` (a provider's, less its external id in an edit: it
 * cannot change); a field left empty is left out (an edit then keeps the stored one; a create is
 * refused by the API, which names the field).
 */
export async function credentialsFromForm(
  fields: ReadonlyArray<Pick<CredentialField, 'name' | 'input'>>,
  form: FormData,
): Promise<Record<string, unknown>> {
  const credentials: Record<string, unknown> = {};
  for (const field of fields) {
    const value = await valueOf(form, field);
    if (value !== undefined) credentials[field.name] = value;
  }
  return credentials;
}
