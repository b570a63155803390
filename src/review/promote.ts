import { HUMAN_REVIEW_TAG } from '../graders/layers.js';
import { isMap, isScalar, isSeq, parseDocument, stringify } from 'yaml';
import type { Label } from './labels.js';

export interface PromoteResult {
  text: string;
  added: string[];
  /** Case ids already in the suite: never overwritten, a hand-audited case wins. */
  skipped: string[];
}

/**
 * Appends reviewed cases to a suite file's `cases:` as YAML text, so every byte already in
 * the file — comments, key order, quoting — stays as it was (a parse-and-dump round trip
 * would lose comments and reformat the file).
 *
 * A `pass` label makes the reviewed output the case's `expected`; a `fail` label keeps the
 * original `expected` (if any) and adds a `not-equals` grader on the rejected output, so the
 * same bad answer cannot come back unnoticed. The description records who reviewed it and why.
 */
export function promoteLabels(suiteText: string, labels: readonly Label[]): PromoteResult {
  const doc = parseDocument(suiteText);
  if (doc.errors.length) throw new Error(`the suite file is not valid YAML: ${doc.errors[0]!.message}`);
  if (!isMap(doc.contents)) throw new Error('the suite file is not a mapping');
  const node = doc.contents.get('cases', true);

  const existing = new Set<string>();
  if (isSeq(node)) {
    for (const item of node.items) {
      const id = isMap(item) ? item.get('id', true) : undefined;
      if (isScalar(id)) existing.add(String(id.value));
    }
  }
  const added: string[] = [];
  const skipped: string[] = [];
  const cases: Record<string, unknown>[] = [];
  for (const label of labels) {
    if (existing.has(label.case) || added.includes(label.case)) {
      skipped.push(label.case);
      continue;
    }
    added.push(label.case);
    cases.push(caseFor(label));
  }
  if (cases.length === 0) return { text: suiteText, added, skipped };

  const block = (indent: number) =>
    stringify(cases, { lineWidth: 0 })
      .split('\n')
      .map((line) => (line ? ' '.repeat(indent) + line : line))
      .join('\n')
      .replace(/\n*$/, '\n');

  if (node === undefined || node === null) {
    const sep = suiteText === '' || suiteText.endsWith('\n') ? '' : '\n';
    return { text: `${suiteText}${sep}cases:\n${block(2)}`, added, skipped };
  }
  if (!isSeq(node)) throw new Error("'cases' is not a list");
  if (node.flow || !node.range) {
    throw new Error("'cases' is written in flow style ([...]); write it as a block list to promote into it");
  }
  const [start, valueEnd] = node.range;
  const indent = start - (suiteText.lastIndexOf('\n', start - 1) + 1);
  let at = valueEnd;
  let prefix = '';
  if (suiteText[at - 1] !== '\n') {
    const nl = suiteText.indexOf('\n', at);
    if (nl === -1) {
      at = suiteText.length;
      prefix = '\n';
    } else at = nl + 1;
  }
  return { text: suiteText.slice(0, at) + prefix + block(indent) + suiteText.slice(at), added, skipped };
}

function caseFor(label: Label): Record<string, unknown> {
  const by = label.reviewer ? `reviewed by ${label.reviewer}` : 'human-reviewed';
  const why = label.reason ? `: ${label.reason}` : '';
  const c: Record<string, unknown> = {
    id: label.case,
    description: `${by} (${label.label}${why}), promoted from ${label.suite}/${label.case}`,
    vars: label.vars ?? {},
  };
  if (label.label === 'pass') c.expected = label.output;
  else if (label.expected !== undefined) c.expected = label.expected;
  // Marks the human-review layer in reports (graders/layers.ts).
  c.tags = { ...(label.tags ?? {}), [HUMAN_REVIEW_TAG.key]: HUMAN_REVIEW_TAG.value };
  if (label.label === 'fail') c.graders = [{ type: 'not-equals', value: label.output }];
  return c;
}
