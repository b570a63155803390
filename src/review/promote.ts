import { HUMAN_REVIEW_TAG } from '../graders/layers.js';
import { isMap, isScalar, isSeq, parseDocument, stringify, type YAMLMap } from 'yaml';
import type { Label } from './labels.js';

export interface PromoteResult {
  text: string;
  added: string[];
  /** Case ids already in the suite: never overwritten, a hand-audited case wins. */
  skipped: string[];
}

/** Graders `--grader` may give promoted cases: each checks the case's `expected`. */
export const PROMOTE_GRADERS = ['equals', 'contains'] as const;
export type PromoteGrader = (typeof PROMOTE_GRADERS)[number];

export interface PromoteOptions {
  /**
   * A grader for each promoted case, checking its `expected` (for a pass label, the reviewed
   * output). Required when the suite has no suite-level graders and a pass label is promoted:
   * such a case would otherwise have no grader at all, and the suite would not validate.
   */
  grader?: PromoteGrader;
}

/**
 * Appends reviewed cases to a suite file's `cases:` as YAML text, so every byte already in
 * the file — comments, key order, quoting — stays as it was (a parse-and-dump round trip
 * would lose comments and reformat the file). A `cases:` that is empty, null or written in
 * flow style (`[]`, `[{ id: a }]`) is rewritten as a block list; only that value changes.
 *
 * A `pass` label makes the reviewed output the case's `expected`, which the suite's graders
 * (or `options.grader`) check; a `fail` label keeps the original `expected` (if any) and adds
 * a `not-equals` grader on the rejected output, so the same bad answer cannot come back
 * unnoticed. The description records who reviewed it and why. Throws, writing nothing, when a
 * promoted pass case would have no grader: the suite has none and no `grader` was given.
 */
export function promoteLabels(
  suiteText: string,
  labels: readonly Label[],
  options: PromoteOptions = {},
): PromoteResult {
  const doc = parseDocument(suiteText);
  if (doc.errors.length) throw new Error(`the suite file is not valid YAML: ${doc.errors[0]!.message}`);
  if (!isMap(doc.contents)) throw new Error('the suite file is not a mapping');
  const node = doc.contents.get('cases', true);
  const suiteGraders = doc.contents.get('graders', true);
  const hasSuiteGraders = isSeq(suiteGraders) && suiteGraders.items.length > 0;

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
    cases.push(caseFor(label, options.grader));
  }
  if (cases.length === 0) return { text: suiteText, added, skipped };
  const ungraded = cases.filter((c) => c.graders === undefined);
  if (ungraded.length > 0 && !hasSuiteGraders) {
    throw new Error(
      `the suite has no suite-level graders, so ${ungraded.length === 1 ? 'case' : 'cases'} ${ungraded
        .map((c) => `'${String(c.id)}'`)
        .join(
          ', ',
        )} would have none; give --grader ${PROMOTE_GRADERS.join('|')} (it checks the reviewed output as the expected value) or add graders to the suite`,
    );
  }

  return { text: insertCases(suiteText, cases), added, skipped };
}

/**
 * `cases` appended to the suite file's `cases:` as YAML text, every other byte kept (see
 * promoteLabels). Also used by `evalgate incident add-case`. Ids are not checked here.
 */
export function insertCases(suiteText: string, cases: Record<string, unknown>[]): string {
  const doc = parseDocument(suiteText);
  if (doc.errors.length) throw new Error(`the suite file is not valid YAML: ${doc.errors[0]!.message}`);
  if (!isMap(doc.contents)) throw new Error('the suite file is not a mapping');
  const node = doc.contents.get('cases', true);
  const block = (items: unknown[], indent: number) =>
    stringify(items, { lineWidth: 0 })
      .split('\n')
      .map((line) => (line ? ' '.repeat(indent) + line : line))
      .join('\n')
      .replace(/\n*$/, '\n');

  if (node === undefined) {
    const sep = suiteText === '' || suiteText.endsWith('\n') ? '' : '\n';
    return `${suiteText}${sep}cases:\n${block(cases, 2)}`;
  }
  const empty = node === null || (isScalar(node) && (node.value === null || node.value === undefined));
  if (!empty && !isSeq(node)) throw new Error("'cases' is not a list");
  if (empty || (isSeq(node) && node.flow)) {
    const items = isSeq(node) ? [...(node.toJSON() as unknown[]), ...cases] : cases;
    return replaceValue(suiteText, doc.contents, items, block);
  }
  if (!isSeq(node) || !node.range) throw new Error("'cases' is not a list");
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
  return suiteText.slice(0, at) + prefix + block(cases, indent) + suiteText.slice(at);
}

/**
 * Rewrites the value of `cases:` (null, or a flow list) as a block list of `items`, leaving
 * every other byte alone; a comment after the value stays on the `cases:` line.
 */
function replaceValue(
  text: string,
  map: YAMLMap,
  items: unknown[],
  block: (items: unknown[], indent: number) => string,
): string {
  const pair = map.items.find((p) => isScalar(p.key) && p.key.value === 'cases');
  const key = pair && isScalar(pair.key) ? pair.key : undefined;
  if (!key?.range) throw new Error("cannot find 'cases' in the suite file");
  const lineStart = text.lastIndexOf('\n', key.range[0] - 1) + 1;
  const indent = key.range[0] - lineStart;
  const colon = text.indexOf(':', key.range[1]);
  const value = pair!.value as { range?: [number, number, number] } | null;
  const valueEnd = value?.range ? value.range[1] : colon + 1;
  let lineEnd = text.indexOf('\n', valueEnd);
  if (lineEnd === -1) lineEnd = text.length;
  const rest = text.slice(valueEnd, lineEnd).trim();
  if (rest !== '' && !rest.startsWith('#')) {
    throw new Error(
      "'cases' shares its line with other content; put it on a line of its own to promote into it",
    );
  }
  const head = text.slice(0, colon + 1) + (rest ? ` ${rest}` : '');
  return `${head}\n${block(items, indent + 2)}${text.slice(Math.min(lineEnd + 1, text.length))}`;
}

function caseFor(label: Label, grader: PromoteGrader | undefined): Record<string, unknown> {
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
  const graders: Record<string, unknown>[] = [];
  if (grader && c.expected !== undefined) graders.push({ type: grader });
  if (label.label === 'fail') graders.push({ type: 'not-equals', value: label.output });
  if (graders.length > 0) c.graders = graders;
  return c;
}
