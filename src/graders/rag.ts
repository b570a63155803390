import { z } from 'zod';
import type { GraderVerdict } from '../results/types.js';
import { classifyRefusal } from './refusal.js';
import type { GradeInput, Grader } from './types.js';

/**
 * RAG graders: how well the target's retrieval ranked the documents the case says are
 * relevant, whether its citations point at what it retrieved and at what is relevant, and
 * whether it abstains exactly when the evidence is missing.
 *
 * Relevance is binary and comes from the case: `relevant: [doc ids]`. The retrieved list is
 * `output.contexts[].id` in the order the target returned them (rank 1 first). A document
 * retrieved twice counts once, at its best rank, so a retriever cannot pad recall or DCG by
 * repeating a hit; a context without an id holds its rank and is never relevant.
 *
 * An `unanswerable: true` case has no relevant document, so the ranking metrics (recall,
 * precision, MRR, nDCG) do not apply to it: its verdict is marked `excluded` and the suite's
 * means are taken over the answerable cases only (the Results count the excluded verdicts in
 * `graderExcluded`). The abstention grader is what scores those cases. Citation metrics still
 * apply: citing nothing on an unanswerable case is right, citing anything is not.
 */

const base = { name: z.string().optional(), not: z.boolean().optional() };

export const RETRIEVAL_METRICS = [
  'recall',
  'precision',
  'mrr',
  'ndcg',
  'citation-retrieved',
  'citation-relevant',
] as const;
export type RetrievalMetric = (typeof RETRIEVAL_METRICS)[number];

/** Named after its metric (`ndcg@5`, `citation-relevant`) unless `name` says otherwise. */
export const RetrievalSpecSchema = z.strictObject({
  type: z.literal('retrieval'),
  ...base,
  metric: z.enum(RETRIEVAL_METRICS),
  /** Cut-off rank for recall, precision, mrr and ndcg; default: everything retrieved. */
  k: z.number().int().positive().optional(),
  /**
   * Pass when score ≥ min. Defaults to 1 for the citation metrics (every citation should
   * hit); required for the ranking metrics, because a good threshold depends on the corpus.
   */
  min: z.number().min(0).max(1).optional(),
});
export type RetrievalSpec = z.output<typeof RetrievalSpecSchema>;

/** Scores 1 for declining on an `unanswerable: true` case and for answering any other case. */
export const AbstentionSpecSchema = z.strictObject({ type: z.literal('abstention'), ...base });
export type AbstentionSpec = z.output<typeof AbstentionSpecSchema>;

type Check = (input: GradeInput) => Omit<GraderVerdict, 'grader'>;

/** Wraps a check as a Grader: the name defaults to the type, and `not` inverts pass and score. */
export function deterministicGrader(
  spec: { type: string; name?: string | undefined; not?: boolean | undefined },
  check: Check,
  extra: Pick<Grader, 'requiresExpected' | 'requiresRelevant'> = {},
): Grader {
  const name = spec.name ?? (spec.not ? `not-${spec.type}` : spec.type);
  return {
    name,
    ...extra,
    grade(input) {
      const v = check(input);
      // A grader that does not apply to the case inverts to one that does not apply either.
      if (!spec.not || v.error || v.excluded) return { grader: name, ...v };
      return { grader: name, pass: !v.pass, score: 1 - v.score, reason: `not: ${v.reason}` };
    },
  };
}

export function compileRetrieval(spec: RetrievalSpec): Grader {
  const citation = spec.metric.startsWith('citation-');
  if (spec.min === undefined && !citation) {
    throw new Error(`retrieval metric '${spec.metric}' needs 'min', the score (0 to 1) a case must reach`);
  }
  if (spec.k !== undefined && citation) {
    throw new Error(`'k' does not apply to '${spec.metric}', which counts every citation`);
  }
  const min = spec.min ?? 1;
  // Named by metric, so a suite's mean score per grader reads as MRR, nDCG@5 and so on.
  const label = spec.k === undefined ? spec.metric : `${spec.metric}@${spec.k}`;
  return deterministicGrader(
    { type: label, name: spec.name, not: spec.not },
    (input) => {
      const m = measure(spec.metric, input, spec.k);
      if ('error' in m) return { pass: false, score: 0, reason: m.error, error: true };
      if ('excluded' in m) return { pass: true, score: 0, reason: m.excluded, excluded: true };
      const pass = m.score >= min - 1e-12;
      return { pass, score: m.score, reason: `${m.reason} ${pass ? '≥' : '<'} min ${round(min)}` };
    },
    { requiresRelevant: spec.metric !== 'citation-retrieved' },
  );
}

export function compileAbstention(spec: AbstentionSpec): Grader {
  return deterministicGrader(spec, ({ case: c, output }) => {
    const kind = classifyRefusal(output.output);
    const declined = kind !== null;
    const unanswerable = c.unanswerable === true;
    const pass = declined === unanswerable;
    const what = declined
      ? `the response is ${kind === 'abstention' ? 'an' : 'a'} ${kind}`
      : 'the response answers';
    const why = unanswerable
      ? pass
        ? `${what}, as it should: the case is unanswerable`
        : `${what}, but the case is unanswerable: it should say it does not know`
      : pass
        ? what
        : `${what}, but the case is answerable`;
    return { pass, score: pass ? 1 : 0, reason: why };
  });
}

type Measured = { score: number; reason: string } | { error: string } | { excluded: string };

function measure(metric: RetrievalMetric, { case: c, output }: GradeInput, k?: number): Measured {
  const relevant = new Set(c.relevant ?? []);
  if (metric === 'citation-retrieved' || metric === 'citation-relevant') {
    const cited = [...new Set(output.citations ?? [])];
    if (cited.length === 0) {
      return c.unanswerable
        ? { score: 1, reason: 'no citations on an unanswerable case: 1' }
        : { score: 0, reason: 'the response cites no sources: 0' };
    }
    if (metric === 'citation-retrieved') {
      if (!output.contexts) return { error: 'the target returned no contexts to check citations against' };
      const retrieved = new Set(output.contexts.flatMap((x) => (x.id === undefined ? [] : [x.id])));
      return citationRate(cited, retrieved, 'retrieved');
    }
    return citationRate(cited, relevant, 'relevant');
  }

  const label = `${metric}@${k ?? 'all'}`;
  if (relevant.size === 0) {
    if (!c.unanswerable) return { error: "the case has no 'relevant' document ids to rank against" };
    // No document can be relevant, so recall, MRR and nDCG are undefined (0/0) and precision
    // is 0 whenever anything came back: a vacuous 1 would inflate the suite's mean and a 0
    // would punish the retriever for a question no document answers. The case is left out
    // of the ranking means and scored by abstention (did the answer say it does not know?).
    const n = output.contexts ? dedupe(output.contexts.map((x) => x.id)).slice(0, k).length : 0;
    return {
      excluded: `${label} not scored: the case is unanswerable (no relevant documents; ${n} retrieved, none relevant), so it is left out of the ${label} mean; the abstention grader scores it`,
    };
  }
  if (!output.contexts) {
    return { error: 'the target returned no contexts: retrieval metrics need the retrieved documents' };
  }
  if (output.contexts.length > 0 && output.contexts.every((x) => x.id === undefined)) {
    return {
      error:
        'the retrieved contexts carry no ids: return an id per context (http targets: extract.contextId)',
    };
  }
  const ranked = dedupe(output.contexts.map((x) => x.id));
  const cut = k ?? ranked.length;
  const top = ranked.slice(0, cut);
  const hits = top.filter((id) => id !== undefined && relevant.has(id)).length;
  switch (metric) {
    case 'recall':
      return {
        score: recallAtK(ranked, relevant, cut),
        reason: `${label} = ${hits}/${relevant.size} = ${round(hits / relevant.size)}`,
      };
    case 'precision': {
      const score = precisionAtK(ranked, relevant, cut);
      return { score, reason: `${label} = ${hits}/${cut} = ${round(score)}` };
    }
    case 'mrr': {
      const rank = top.findIndex((id) => id !== undefined && relevant.has(id)) + 1;
      return {
        score: reciprocalRank(ranked, relevant, cut),
        reason: rank
          ? `${label}: first relevant document at rank ${rank} = ${round(1 / rank)}`
          : `${label}: no relevant document retrieved = 0`,
      };
    }
    case 'ndcg': {
      const score = ndcgAtK(ranked, relevant, cut);
      return {
        score,
        reason: `${label} = ${round(score)} (${hits} of ${relevant.size} relevant in the top ${cut})`,
      };
    }
  }
}

function citationRate(cited: string[], pool: Set<string>, what: string): Measured {
  const hits = cited.filter((id) => pool.has(id));
  const misses = cited.filter((id) => !pool.has(id));
  const score = hits.length / cited.length;
  const which = misses.length
    ? ` (not ${what}: ${misses.slice(0, 5).join(', ')}${misses.length > 5 ? ', …' : ''})`
    : '';
  return { score, reason: `${hits.length}/${cited.length} citations ${what}${which} = ${round(score)}` };
}

/** A repeated id keeps its first (best) rank; later repeats become non-relevant filler. */
function dedupe(ids: readonly (string | undefined)[]): (string | undefined)[] {
  const seen = new Set<string>();
  return ids.map((id) => {
    if (id === undefined || seen.has(id)) return undefined;
    seen.add(id);
    return id;
  });
}

/** recall@k = |top k ∩ R| / |R|. */
export function recallAtK(
  ranked: readonly (string | undefined)[],
  relevant: ReadonlySet<string>,
  k: number,
): number {
  if (relevant.size === 0) return 1;
  return countHits(dedupe(ranked).slice(0, k), relevant) / relevant.size;
}

/**
 * precision@k = |top k ∩ R| / k. The denominator is k even when fewer than k documents came
 * back (the TREC convention), so returning less cannot raise precision; 0 when k is 0.
 */
export function precisionAtK(
  ranked: readonly (string | undefined)[],
  relevant: ReadonlySet<string>,
  k: number,
): number {
  return k === 0 ? 0 : countHits(dedupe(ranked).slice(0, k), relevant) / k;
}

/**
 * Reciprocal rank: 1 / rank of the first relevant document within the top k, 0 when there is
 * none. MRR is its mean over cases, which is what the suite's mean grader score reports.
 */
export function reciprocalRank(
  ranked: readonly (string | undefined)[],
  relevant: ReadonlySet<string>,
  k: number,
): number {
  const i = dedupe(ranked)
    .slice(0, k)
    .findIndex((id) => id !== undefined && relevant.has(id));
  return i < 0 ? 0 : 1 / (i + 1);
}

/**
 * nDCG@k with binary relevance and the log2 discount:
 *   DCG@k  = Σ_{i=1..k} rel_i / log2(i + 1),  rel_i = 1 when the document at rank i is in R
 *   IDCG@k = Σ_{i=1..min(|R|, k)} 1 / log2(i + 1)   (every relevant document ranked first)
 *   nDCG@k = DCG@k / IDCG@k
 */
export function ndcgAtK(
  ranked: readonly (string | undefined)[],
  relevant: ReadonlySet<string>,
  k: number,
): number {
  if (relevant.size === 0) return 1;
  let dcg = 0;
  dedupe(ranked)
    .slice(0, k)
    .forEach((id, i) => {
      if (id !== undefined && relevant.has(id)) dcg += 1 / Math.log2(i + 2);
    });
  let idcg = 0;
  for (let i = 0; i < Math.min(relevant.size, k); i++) idcg += 1 / Math.log2(i + 2);
  return idcg === 0 ? 0 : dcg / idcg;
}

function countHits(ids: readonly (string | undefined)[], relevant: ReadonlySet<string>): number {
  return ids.filter((id) => id !== undefined && relevant.has(id)).length;
}

function round(x: number): string {
  return String(Math.round(x * 1000) / 1000);
}
