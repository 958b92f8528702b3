/**
 * The template editor's form as the API's PATCH body, and the values a preview or test send fills
 * the variables with. Nothing is checked here that the API checks: its refusal names the field
 * (`variables[2][name]`), and the page shows it next to that field. Pure: the root's jest runs its test.
 */
import type { components } from '$api-types';

type Template = components['schemas']['Template'];
type Variable = Template['variables'][number];

/** A form field as text ('' when absent); as console-actions' field, which this pure module cannot import. */
function field(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value.trim() : '';
}

const VARIABLE_FIELD = /^variables\[(\d+)\]\[(name|type|sample|secret)\]$/;

/** The rows of the variables table in their order on the page (a blank row too: the API names it). */
export function variablesOf(form: FormData): Variable[] {
  const rows = new Map<number, Record<string, string>>();
  for (const [name, value] of form.entries()) {
    const match = VARIABLE_FIELD.exec(name);
    if (!match || typeof value !== 'string') continue;
    const index = Number(match[1]);
    const row = rows.get(index) ?? {};
    row[match[2]] = value.trim();
    rows.set(index, row);
  }
  return [...rows.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, row]) => ({
      name: row.name ?? '',
      type: (row.type ?? 'string') as Variable['type'],
      sample: row.sample ?? '',
      ...(row.secret ? { secret: true } : {}),
    }));
}

/** The draft as the form holds it: the channel's own field only (an e-mail's subject, an SMS's Aliyun code). */
export function draftOf(form: FormData, channel: Template['channel']) {
  const body = form.get('body');
  const draft: {
    body: string;
    variables: Variable[];
    subject?: string;
    aliyun_template_code?: string | null;
  } = {
    // The body as typed: its line breaks and spacing are the message's.
    body: typeof body === 'string' ? body.replace(/\r\n/g, '\n') : '',
    variables: variablesOf(form),
  };
  if (channel === 'email') draft.subject = field(form, 'subject');
  else draft.aliyun_template_code = field(form, 'aliyun_template_code') || null;
  return draft;
}

/** `data[name]` fields: the values a preview or test send puts in place of the samples (blank: the sample). */
export function valuesOf(form: FormData): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of form.entries()) {
    const match = /^data\[([A-Za-z][A-Za-z0-9_]*)\]$/.exec(name);
    if (match && typeof value === 'string' && value.trim() !== '') values[match[1]] = value.trim();
  }
  return values;
}
