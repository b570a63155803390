import { lastUserText } from './messages.js';

/**
 * Inspect AI datasets (`inspect_ai.dataset.Sample` as JSONL):
 * `{ input: "text" | [messages], target?: "answer" | ["answers"], id?, metadata? }`.
 *
 * id → case id (stringified; characters a case id cannot hold become `-`), target →
 * `expected`, metadata → tags (string, number and boolean values; nested values are left
 * out, tags being flat). Inspect's scorer is not carried over: the suite's graders apply.
 */
export function convertInspectSample(raw: unknown): Record<string, unknown> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('expected a JSON object sample');
  const sample = raw as Record<string, unknown>;
  const vars: Record<string, unknown> = {};
  if (typeof sample.input === 'string') vars.input = sample.input;
  else if (Array.isArray(sample.input)) {
    vars.input = lastUserText(sample.input, 'input');
    vars.messages = sample.input;
  } else throw new Error("'input' must be a string or a list of chat messages");

  const out: Record<string, unknown> = { vars };
  if (sample.id !== undefined && sample.id !== null) {
    if (typeof sample.id !== 'string' && typeof sample.id !== 'number') {
      throw new Error("'id' must be a string or a number");
    }
    out.id = caseId(String(sample.id));
  }
  const target = sample.target;
  if (target !== undefined) {
    if (!(
      typeof target === 'string' ||
      (Array.isArray(target) && target.every((t) => typeof t === 'string'))
    )) {
      throw new Error("'target' must be a string or a list of strings");
    }
    // Inspect's empty target means "no target", not "the empty answer".
    if (target !== '' && !(Array.isArray(target) && target.length === 0)) out.expected = target;
  }
  if (sample.metadata && typeof sample.metadata === 'object' && !Array.isArray(sample.metadata)) {
    const tags: Record<string, string> = {};
    for (const [key, value] of Object.entries(sample.metadata as Record<string, unknown>)) {
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        tags[key] = String(value);
      }
    }
    out.tags = tags;
  }
  return out;
}

function caseId(id: string): string {
  const cleaned = id.replace(/[^A-Za-z0-9._:/-]/g, '-');
  return /^[A-Za-z0-9]/.test(cleaned) ? cleaned : `id-${cleaned}`;
}
