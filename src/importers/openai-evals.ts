import { z } from 'zod';
import type { GraderVerdict } from '../results/types.js';
import type { Grader } from '../graders/types.js';
import { lastUserText, type ChatMessage } from './messages.js';

/**
 * OpenAI Evals (`openai/evals`) basic-eval samples: one JSON object per line,
 * `{ "input": [chat messages] | "text", "ideal": "answer" | ["answers"] }`, or the legacy
 * `{ "prompt", "completion" }` shape.
 *
 * A sample becomes a case with `vars.input` (the last user message's text, what a prompt
 * template's `{{ input }}` sees) and `vars.messages` (the whole conversation: http and
 * command targets receive every var, and an openai target sends it around its prompt's
 * `{{ input }}` message, src/targets/conversation.ts), `expected` = ideal, and one
 * `openai-evals-match` grader in the dataset's `match` mode.
 */

export const OPENAI_EVALS_MATCH_MODES = ['match', 'includes', 'fuzzy'] as const;
export type OpenAIEvalsMatchMode = (typeof OPENAI_EVALS_MATCH_MODES)[number];

/** The class names openai/evals uses in its registry, as a suite's `match:` accepts them. */
export const OPENAI_EVALS_MATCH_CLASSES: Record<string, OpenAIEvalsMatchMode> = {
  Match: 'match',
  Includes: 'includes',
  FuzzyMatch: 'fuzzy',
};

export const OpenAIEvalsMatchSpecSchema = z.strictObject({
  type: z.literal('openai-evals-match'),
  name: z.string().optional(),
  not: z.boolean().optional(),
  /**
   * match: the output, stripped, starts with an ideal. includes: the output contains an
   * ideal. fuzzy: after normalizing both, either contains the other.
   */
  mode: z.enum(OPENAI_EVALS_MATCH_MODES).default('match'),
  /** The ideal answers; default: the case's `expected` (a string or a list of strings). */
  values: z.array(z.string()).min(1).optional(),
});
export type OpenAIEvalsMatchSpec = z.output<typeof OpenAIEvalsMatchSpecSchema>;

export function compileOpenAIEvalsMatch(spec: OpenAIEvalsMatchSpec): Grader {
  const name = spec.name ?? (spec.not ? 'not-openai-evals-match' : 'openai-evals-match');
  return {
    name,
    requiresExpected: spec.values === undefined,
    grade({ output, case: c }) {
      const ideals = spec.values ?? idealsOf(c.expected);
      let v: Omit<GraderVerdict, 'grader'>;
      if (ideals.length === 0) {
        v = { pass: false, score: 0, reason: 'no ideal answer to compare with', error: true };
      } else {
        const hit = ideals.find((ideal) => evalsMatch(spec.mode, output.output, ideal));
        v =
          hit !== undefined
            ? { pass: true, score: 1, reason: `${spec.mode}: matches ${JSON.stringify(hit)}` }
            : {
                pass: false,
                score: 0,
                reason: `${spec.mode}: matches none of ${ideals.length} ideal answers`,
              };
      }
      if (!spec.not || v.error) return { grader: name, ...v };
      return { grader: name, pass: !v.pass, score: 1 - v.score, reason: `not: ${v.reason}` };
    },
  };
}

function idealsOf(expected: unknown): string[] {
  if (typeof expected === 'string') return [expected];
  if (typeof expected === 'number' || typeof expected === 'boolean') return [String(expected)];
  if (Array.isArray(expected)) return expected.filter((x) => typeof x === 'string');
  return [];
}

/**
 * openai/evals' three checks (evals/elsuite/basic/*.py and evals/utils `normalize`):
 * Match: `sampled.strip().startswith(ideal)` for any ideal (the ideal is not stripped);
 * Includes: `ideal in sampled`; FuzzyMatch: `normalize(a) in normalize(b)` either way.
 */
export function evalsMatch(mode: OpenAIEvalsMatchMode, output: string, ideal: string): boolean {
  switch (mode) {
    case 'match':
      return output.trim().startsWith(ideal);
    case 'includes':
      return output.includes(ideal);
    case 'fuzzy': {
      const a = normalizeAnswer(output);
      const b = normalizeAnswer(ideal);
      return a.includes(b) || b.includes(a);
    }
  }
}

/** SQuAD-style: lower case, punctuation and the articles a/an/the removed, whitespace collapsed. */
export function normalizeAnswer(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\p{P}\p{S}]/gu, '')
    .replace(/\b(a|an|the)\b/g, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .join(' ');
}

/**
 * One sample as a raw case (validated by the loader like any case); throws on a malformed sample.
 *
 * Legacy samples, `{ "prompt": "text" | [chat messages], "completion": "answer" }` (the
 * fine-tuning shape some registry sets still use, e.g. `Unfamiliar-Chinese-Character`), read
 * `prompt` as the input and `completion` as the ideal. The completion's leading whitespace is
 * dropped: the fine-tuning convention starts a completion with a space, which no stripped
 * answer could ever start with.
 */
export function convertOpenAIEvalsSample(raw: unknown, mode: OpenAIEvalsMatchMode): Record<string, unknown> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('expected a JSON object sample');
  const sample = raw as Record<string, unknown>;
  const legacy = sample.input === undefined && sample.prompt !== undefined;
  const inputField = legacy ? 'prompt' : 'input';
  const idealField = legacy ? 'completion' : 'ideal';
  const input = sample[inputField];
  const vars: Record<string, unknown> = {};
  if (typeof input === 'string') {
    vars.input = input;
    vars.messages = [{ role: 'user', content: input }];
  } else if (Array.isArray(input)) {
    const messages = input as ChatMessage[];
    vars.input = lastUserText(messages, inputField);
    vars.messages = messages;
  } else if (input === undefined) {
    throw new Error("no 'input' (or legacy 'prompt') field");
  } else {
    throw new Error(`'${inputField}' must be a string or a list of chat messages`);
  }
  let ideal = sample[idealField];
  if (!(typeof ideal === 'string' || (Array.isArray(ideal) && ideal.every((x) => typeof x === 'string')))) {
    throw new Error(`'${idealField}' must be a string or a list of strings`);
  }
  if (legacy) ideal = typeof ideal === 'string' ? ideal.trimStart() : ideal.map((x) => x.trimStart());
  return {
    vars,
    expected: ideal,
    graders: [{ type: 'openai-evals-match', mode }],
  };
}
