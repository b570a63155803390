import { z } from 'zod';
import { lastUserText } from './messages.js';

/**
 * Inspect AI datasets (`inspect_ai.dataset.Sample` as JSONL):
 * `{ input: "text" | [messages], target?: "answer" | ["answers"], id?, choices?, metadata? }`.
 *
 * id → case id (stringified; characters a case id cannot hold become `-`), target →
 * `expected`, choices → `vars.choices` (for a multiple-choice prompt), metadata → tags
 * (string, number and boolean values; nested values are left out, tags being flat). A chat
 * list input becomes `vars.input` (its last user message) and `vars.messages` (the whole
 * conversation, which every target sends; see src/targets/conversation.ts). Inspect's scorer
 * is not carried over: the suite's graders apply.
 *
 * Records whose fields have other names are read through a field mapping, as Inspect's
 * `FieldSpec` does: `fields: { input: question, target: answer }` reads `question` as the
 * input. `metadata` lists the record fields that become tags; left out, the record's own
 * `metadata` object is used, as in Inspect.
 */
export const InspectFieldsSchema = z.strictObject({
  input: z.string().min(1).default('input'),
  target: z.string().min(1).default('target'),
  id: z.string().min(1).default('id'),
  choices: z.string().min(1).default('choices'),
  metadata: z.array(z.string().min(1)).optional(),
});
export type InspectFields = z.output<typeof InspectFieldsSchema>;

const DEFAULT_FIELDS: InspectFields = InspectFieldsSchema.parse({});

export function convertInspectSample(
  raw: unknown,
  fields: InspectFields = DEFAULT_FIELDS,
): Record<string, unknown> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('expected a JSON object sample');
  const sample = raw as Record<string, unknown>;
  const vars: Record<string, unknown> = {};
  const input = sample[fields.input];
  if (typeof input === 'string') vars.input = input;
  else if (Array.isArray(input)) {
    vars.input = lastUserText(input, fields.input);
    vars.messages = input;
  } else if (input === undefined) {
    const hint =
      fields.input === 'input'
        ? `; if the input is under another name, map it: fields: { input: NAME } (this record has ${fieldList(sample)})`
        : '';
    throw new Error(`no '${fields.input}' field${hint}`);
  } else throw new Error(`'${fields.input}' must be a string or a list of chat messages`);

  const out: Record<string, unknown> = { vars };
  const id = sample[fields.id];
  if (id !== undefined && id !== null) {
    if (typeof id !== 'string' && typeof id !== 'number') {
      throw new Error(`'${fields.id}' must be a string or a number`);
    }
    out.id = caseId(String(id));
  }
  const target = sample[fields.target];
  if (target !== undefined && target !== null) {
    if (!(
      typeof target === 'string' ||
      (Array.isArray(target) && target.every((t) => typeof t === 'string'))
    )) {
      throw new Error(`'${fields.target}' must be a string or a list of strings`);
    }
    // Inspect's empty target means "no target", not "the empty answer".
    if (target !== '' && !(Array.isArray(target) && target.length === 0)) out.expected = target;
  }
  const choices = sample[fields.choices];
  if (choices !== undefined && choices !== null) {
    if (!Array.isArray(choices) || !choices.every((c) => typeof c === 'string')) {
      throw new Error(`'${fields.choices}' must be a list of strings`);
    }
    vars.choices = choices;
  }
  const metadata = fields.metadata
    ? Object.fromEntries(fields.metadata.map((name) => [name, sample[name]]))
    : sample.metadata;
  if (metadata && typeof metadata === 'object' && !Array.isArray(metadata)) {
    const tags: Record<string, string> = {};
    for (const [key, value] of Object.entries(metadata as Record<string, unknown>)) {
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        tags[key] = String(value);
      }
    }
    out.tags = tags;
  }
  return out;
}

function fieldList(sample: Record<string, unknown>): string {
  const keys = Object.keys(sample).slice(0, 8);
  return keys.length === 0 ? 'no fields' : `fields ${keys.map((k) => `'${k}'`).join(', ')}`;
}

function caseId(id: string): string {
  const cleaned = id.replace(/[^A-Za-z0-9._:/-]/g, '-');
  return /^[A-Za-z0-9]/.test(cleaned) ? cleaned : `id-${cleaned}`;
}
