import type { ContextItem, GraderVerdict } from '../results/types.js';
import type { CompileContext } from './context.js';
import { compileJudge } from './judge.js';
import { JudgeSpecSchema } from './judge-spec.js';
import {
  CitationSupportSpecSchema,
  FaithfulnessSpecSchema,
  type CitationSupportSpec,
  type FaithfulnessSpec,
} from './faithfulness-spec.js';
import { classifyRefusal } from './refusal.js';
import type { GradeInput, Grader } from './types.js';

/**
 * Faithfulness (groundedness): are the answer's claims supported by the context it was
 * given? Two modes, one grader type:
 *
 * **Deterministic** (default; no model call). The answer is split into claims, one per
 * sentence (list items and lines are sentences; citation markers such as `[1]` or
 * `[refunds]` are dropped). A sentence is not a claim when it has fewer than two content
 * words, the refusal detector reads it as a refusal or abstention ("I don't know"), it is
 * a question, or it is the assistant speaking of itself or to the user ("I can help with
 * …", "Please contact …"; see splitClaims). Each
 * claim's content words W (lower-cased, NFKC, stop words removed, a light suffix stemmer:
 * refunds → refund, accepted → accept) are looked up in each context passage P alone:
 *
 *   coverage(claim, P) = |W ∩ words(P)| / |W|
 *   supported(claim)   ⇔ ∃ P: coverage(claim, P) ≥ `support` (default 0.7),
 *                             every number of the claim is in P, and the sentence of P
 *                             sharing most words with the claim is negated (not, no,
 *                             never, cannot, n't, …) exactly when the claim is
 *   score              = supported claims / claims
 *
 * Pass when score ≥ `min` (default 1: every claim supported). Numbers and negation are
 * checked because the commonest unfaithful answer reuses the context's words with one
 * figure changed ("within 60 days" against "within 30 days") or its sense turned ("opened
 * items can be returned" against "opened items cannot be returned"). The
 * reason names the unsupported claims (JSON-quoted, cut short) with the closest passage and
 * what it lacks. An answer with no claim (it abstains) has nothing to score: its verdict is
 * `excluded`, left out of the mean, like a ranking metric on an unanswerable case.
 *
 * The lexical check is a screen, not understanding: a paraphrase with few shared words
 * reads as unsupported, and a claim assembled from a passage's own words in a new sense
 * reads as supported. `test/fixtures/faithfulness/` holds hand-labelled claims and the
 * grader's agreement with them; the judge mode is for what it cannot see.
 *
 * **Judge** (`judge: true` or `{model, minAgreement}`). An LLM judge decomposes the answer
 * into atomic claims and labels each supported, unsupported or contradicted by the contexts
 * (given to it as the reference material, between markers, never as instructions); its
 * score is the supported share and its reasoning names the rest. It is a judge grader like
 * any other: cached, fingerprinted, and advisory until calibrated (`evalgate calibrate`).
 *
 * Context: `contexts: retrieved` reads the documents the target returned with the answer
 * (`output.contexts`), `case` the case's `context`, and `auto` (default) the retrieved ones
 * when the target returned any list (an empty list is "retrieved nothing": every claim is
 * unsupported), else the case's. No context at all is a grader error, never a score.
 */

export { CitationSupportSpecSchema, FaithfulnessSpecSchema };
export type { CitationSupportSpec, FaithfulnessSpec };

type Verdict = Omit<GraderVerdict, 'grader'>;

export function compileFaithfulness(spec: FaithfulnessSpec, ctx: CompileContext): Grader {
  const name = spec.name ?? (spec.not ? 'not-faithfulness' : 'faithfulness');
  if (spec.judge) return compileFaithfulnessJudge(spec, name, ctx);
  return {
    name,
    grade(input) {
      const v = gradeLexically(spec, input);
      if (!spec.not || v.error || v.excluded) return { grader: name, ...v };
      return { grader: name, pass: !v.pass, score: 1 - v.score, reason: `not: ${v.reason}` };
    },
  };
}

function gradeLexically(spec: FaithfulnessSpec, input: GradeInput): Verdict {
  const claims = splitClaims(input.output.output);
  if (claims.length === 0) {
    return {
      pass: true,
      score: 0,
      excluded: true,
      reason:
        'no claim to check (the response makes no statement of fact, or abstains): left out of the mean',
    };
  }
  const passages = contextsOf(spec.contexts, input);
  if (typeof passages === 'string') return { pass: false, score: 0, reason: passages, error: true };
  const indexed = passages.map(indexPassage);
  const checked = claims.map((claim) => ({ claim, ...checkClaim(claim, indexed, spec.support) }));
  const unsupported = checked.filter((c) => !c.supported);
  const score = (claims.length - unsupported.length) / claims.length;
  const pass = score >= spec.min - 1e-12;
  const head = `${claims.length - unsupported.length}/${claims.length} claims supported by ${passages.length} context passage${passages.length === 1 ? '' : 's'} = ${round(score)} ${pass ? '≥' : '<'} min ${spec.min}`;
  if (unsupported.length === 0) return { pass, score, reason: head };
  const named = unsupported
    .slice(0, 3)
    .map((c) => `${quote(c.claim)} (${c.why})`)
    .join('; ');
  const more = unsupported.length > 3 ? `; and ${unsupported.length - 3} more` : '';
  return { pass, score, reason: `${head}; unsupported: ${named}${more}` };
}

/** The passages to check against, or the reason there are none to read. */
function contextsOf(
  source: FaithfulnessSpec['contexts'],
  { case: c, output }: GradeInput,
): ContextItem[] | string {
  const retrieved = output.contexts;
  if (source === 'retrieved' || (source === 'auto' && retrieved !== undefined)) {
    return (
      retrieved ?? 'the target returned no contexts: faithfulness needs the documents the answer was based on'
    );
  }
  if (c.context !== undefined) return c.context;
  return source === 'case'
    ? "the case has no 'context' to check the answer against"
    : "no context to check the answer against: the target returned no contexts and the case has no 'context'";
}

interface ClaimCheck {
  supported: boolean;
  /** Why not, for the reason: the closest passage and what it lacks. */
  why: string;
}

interface IndexedPassage {
  id?: string | undefined;
  words: Set<string>;
  /** Each sentence's words, for the negation check. */
  sentences: Set<string>[];
}

export function indexPassage(p: ContextItem): IndexedPassage {
  const sentences = p.text
    .split(/(?<=[.!?])\s+|\r?\n/)
    .map((x) => new Set(contentWords(x)))
    .filter((x) => x.size > 0);
  return { id: p.id, words: new Set(contentWords(p.text)), sentences };
}

function checkClaim(claim: string, passages: IndexedPassage[], threshold: number): ClaimCheck {
  const words = [...new Set(contentWords(claim))];
  const numbers = words.filter(isNumber);
  const negated = words.some((w) => NEGATIONS.has(w));
  let best: { coverage: number; index: number; why: string } | undefined;
  for (let i = 0; i < passages.length; i++) {
    const p = passages[i]!;
    const coverage = words.filter((w) => p.words.has(w)).length / words.length;
    const missing = numbers.filter((w) => !p.words.has(w));
    let why = missing.length ? `, which lacks ${missing.map((w) => quote(w, 20)).join(', ')}` : '';
    if (!why && coverage >= threshold - 1e-12) {
      // The passage has the words; its sentence closest to the claim must say it the same way round.
      const closest = closestSentence(words, p.sentences);
      const sentenceNegated = closest !== undefined && [...closest].some((w) => NEGATIONS.has(w));
      if (sentenceNegated === negated) return { supported: true, why: '' };
      why = negated
        ? ', whose closest sentence has no negation: the claim denies what it says'
        : ', whose closest sentence is negated: the claim asserts what it denies';
    }
    if (!best || coverage > best.coverage || (coverage === best.coverage && !best.why && why)) {
      best = { coverage, index: i, why };
    }
  }
  if (!best) return { supported: false, why: 'no context passage to support it' };
  const p = passages[best.index]!;
  const where = p.id !== undefined ? quote(p.id, 40) : `passage ${best.index + 1}`;
  return {
    supported: false,
    why: `closest: ${where}, ${Math.round(best.coverage * 100)}% of its words${best.why}`,
  };
}

/** The sentence sharing the most words with the claim (the first of equals). */
function closestSentence(words: string[], sentences: Set<string>[]): Set<string> | undefined {
  let best: Set<string> | undefined;
  let bestHits = 0;
  for (const s of sentences) {
    const hits = words.filter((w) => s.has(w) && !NEGATIONS.has(w)).length;
    if (hits > bestHits) {
      best = s;
      bestHits = hits;
    }
  }
  return best;
}

/**
 * The assistant speaking of itself or to the user ("I can help with refunds, shipping…",
 * "Let me know…", "Please contact…"): about the conversation, not the documents.
 */
const CONVERSATIONAL = /^["'“‘(]?(?:i|i['’](?:m|d|ll|ve)|let me|let us|feel free|please|hope this)\b/i;

/**
 * The answer's claims: its sentences that state something. Lines and list items are
 * sentences of their own; a sentence ends at . ! or ? followed by a space and a capital
 * letter, a digit or a quote (so "2.5", "e.g. the" and "U.S." do not split it). Not claims:
 * a sentence with fewer than two content words, one the refusal detector reads as a refusal
 * or abstention, a question, and the assistant speaking of itself or to the user (a
 * sentence opening with "I", "Let me", "Please", "Feel free").
 */
export function splitClaims(text: string): string[] {
  const out: string[] = [];
  const clean = text.replace(/```[\s\S]*?```/g, ' ').replace(/\s*\[[^\]\n]{1,40}\]/g, '');
  for (const rawLine of clean.split(/\r?\n/)) {
    const line = rawLine.replace(/^\s*(?:[-*•>]+|\d+[.)]|#+)\s+/, '').trim();
    if (!line) continue;
    for (const sentence of line.split(/(?<=[.!?])\s+(?=["'“‘(]?[\p{Lu}\p{N}])/u)) {
      const s = sentence.trim();
      if (contentWords(s).length < 2) continue;
      if (classifyRefusal(s) !== null || CONVERSATIONAL.test(s) || /\?["')\]]*$/.test(s)) continue;
      out.push(s);
    }
  }
  return out;
}

/**
 * Lower-cased, NFKC-normalised words without stop words, lightly stemmed; numbers keep
 * their digits ("1,000" and "1000" are one number, "$30" and "30%" are 30). "n't" becomes
 * "not", so a negation is a word like any other.
 */
export function contentWords(text: string): string[] {
  const norm = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\bcan['’]t\b/g, 'can not')
    .replace(/\bwon['’]t\b/g, 'will not')
    .replace(/n['’]t\b/g, ' not');
  const tokens = norm.match(/\d+(?:[.,]\d+)*|[\p{L}\p{N}]+/gu) ?? [];
  const out: string[] = [];
  for (const t of tokens) {
    if (/^\d/.test(t)) {
      out.push(t.replace(/,(?=\d{3}\b)/g, ''));
      continue;
    }
    if (STOPWORDS.has(t)) continue;
    out.push(stem(t));
  }
  return out;
}

/** A light suffix stemmer: enough to meet "refunds" with "refund" and "accepted" with "accept". */
function stem(w: string): string {
  if (NEGATIONS.has(w)) return w;
  if (w.length > 5 && w.endsWith('ing')) return w.slice(0, -3);
  if (w.length > 4 && w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  if (w.length > 4 && w.endsWith('ed')) return w.slice(0, -2);
  if (w.length > 3 && w.endsWith('s') && !/(ss|us|is)$/.test(w)) return w.slice(0, -1);
  return w;
}

function isNumber(w: string): boolean {
  return /^\d/.test(w);
}

const NEGATIONS = new Set(['not', 'no', 'never', 'none', 'nothing', 'cannot', 'neither', 'nor', 'without']);

const STOPWORDS = new Set(
  (
    'a an the and or but if then than so as of at by for from in into on onto to up with within about ' +
    'over under after before between during through per via ' +
    'i me my we us our you your he him his she her it its they them their this that these those there here ' +
    'is am are was were be been being do does did done have has had having will would shall should can could ' +
    'may might must get gets got also just only very really quite please yes sure ok okay ' +
    'what which who whom whose when where why how all any each every some such own same other more most ' +
    'ca wo s t d ll re ve m'
  ).split(' '),
);

function quote(s: string, max = 80): string {
  const one = s.replace(/\s+/g, ' ').trim();
  const chars = Array.from(one);
  return JSON.stringify(chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : one);
}

function round(x: number): string {
  return String(Math.round(x * 1000) / 1000);
}

// ------------------------------------------------------------------ citation support

/**
 * Citation support: does each source the answer cites hold what the sentence citing it
 * says? No judge. A citation is an inline marker `[x]` in a sentence (not a markdown link
 * `[text](url)`), where x is the id of a retrieved context or its 1-based position; a
 * marker naming neither cites a document that was not retrieved. Each (sentence, cited
 * source) pair is checked as faithfulness checks a claim, against that one passage:
 *
 *   supported(sentence, P) ⇔ coverage(sentence, P) ≥ `support` (default 0.7), every number
 *                            of the sentence is in P, and P's closest sentence is negated
 *                            exactly when the sentence is
 *   score                  = supported pairs / pairs
 *
 * Pass when score ≥ `min` (default 1). Sentences without a marker are not counted (the
 * faithfulness grader checks every claim); an answer that cites nothing is `excluded`
 * (`retrieval` with `metric: citation-retrieved` scores an answer that cites nothing 0).
 */
export function compileCitationSupport(spec: CitationSupportSpec): Grader {
  const name = spec.name ?? (spec.not ? 'not-citation-support' : 'citation-support');
  return {
    name,
    grade(input) {
      const v = gradeCitations(spec, input);
      if (!spec.not || v.error || v.excluded) return { grader: name, ...v };
      return { grader: name, pass: !v.pass, score: 1 - v.score, reason: `not: ${v.reason}` };
    },
  };
}

function gradeCitations(spec: CitationSupportSpec, { output }: GradeInput): Verdict {
  const contexts = output.contexts;
  if (contexts === undefined) {
    return {
      pass: false,
      score: 0,
      reason: 'the target returned no contexts: citation support needs the documents the answer cites',
      error: true,
    };
  }
  const pairs = citedSentences(output.output);
  if (pairs.length === 0) {
    return {
      pass: true,
      score: 0,
      excluded: true,
      reason: 'no inline citation to check: left out of the mean',
    };
  }
  const byId = new Map<string, number>();
  contexts.forEach((c, i) => {
    if (c.id !== undefined && !byId.has(c.id)) byId.set(c.id, i);
  });
  const indexed = contexts.map(indexPassage);
  const failures: string[] = [];
  let supported = 0;
  for (const { sentence, source } of pairs) {
    const i = byId.get(source) ?? (/^\d+$/.test(source) ? Number(source) - 1 : -1);
    if (i < 0 || i >= contexts.length) {
      failures.push(
        `${quote(sentence)} cites [${quote(source, 40).slice(1, -1)}], which is not among the ${contexts.length} retrieved documents`,
      );
      continue;
    }
    const check = checkClaim(sentence, [indexed[i]!], spec.support);
    if (check.supported) supported++;
    else
      failures.push(
        `${quote(sentence)} cites [${quote(source, 40).slice(1, -1)}] (${check.why.replace(/^closest: [^,]+, /, '')})`,
      );
  }
  const score = supported / pairs.length;
  const pass = score >= spec.min - 1e-12;
  const head = `${supported}/${pairs.length} citations support their sentence = ${round(score)} ${pass ? '≥' : '<'} min ${spec.min}`;
  if (failures.length === 0) return { pass, score, reason: head };
  const more = failures.length > 3 ? `; and ${failures.length - 3} more` : '';
  return { pass, score, reason: `${head}; not supported: ${failures.slice(0, 3).join('; ')}${more}` };
}

/** Every (sentence, cited source) pair of the answer, the sentence without its markers. */
export function citedSentences(text: string): { sentence: string; source: string }[] {
  const out: { sentence: string; source: string }[] = [];
  const clean = text.replace(/```[\s\S]*?```/g, ' ');
  for (const rawLine of clean.split(/\r?\n/)) {
    const line = rawLine.replace(/^\s*(?:[-*•>]+|\d+[.)]|#+)\s+/, '').trim();
    if (!line) continue;
    for (const sentence of line.split(/(?<=[.!?])\s+(?=["'“‘([]?[\p{Lu}\p{N}])/u)) {
      const sources = [...sentence.matchAll(/\[([^\]\s]{1,40})\](?!\()/g)].map((m) => m[1]!);
      if (sources.length === 0) continue;
      const bare = sentence.replace(/\s*\[[^\]\s]{1,40}\](?!\()/g, '').trim();
      if (contentWords(bare).length < 2) continue;
      for (const source of new Set(sources)) out.push({ sentence: bare, source });
    }
  }
  return out;
}

// ------------------------------------------------------------------ judge mode

const RUBRIC = [
  'Faithfulness to the retrieved context. REFERENCE holds the documents the system retrieved for this question, each starting with its [id].',
  'Split the RESPONSE into atomic claims: one fact each; greetings, hedges and statements that the system does not know are not claims.',
  'Label each claim SUPPORTED (REFERENCE states it or directly implies it), UNSUPPORTED (REFERENCE does not say) or CONTRADICTED (REFERENCE says otherwise). Use only REFERENCE, never your own knowledge.',
  'score = supported claims / all claims (1 when the response makes no claim). Verdict "pass" only when every claim is SUPPORTED.',
  'In reasoning, quote each UNSUPPORTED or CONTRADICTED claim with its label.',
].join('\n');

/**
 * The judge mode: the contexts become the judge's REFERENCE and the case's `expected` is
 * left out (the answer is graded against its evidence, not against a known answer). The
 * grader is the judge itself, so calibration, advisory status, caching and fingerprints are
 * the judge's; `min` is its pass threshold.
 */
function compileFaithfulnessJudge(spec: FaithfulnessSpec, name: string, ctx: CompileContext): Grader {
  const options = typeof spec.judge === 'object' ? spec.judge : {};
  const judge = compileJudge(
    JudgeSpecSchema.parse({
      type: 'judge',
      name,
      ...(spec.not && { not: true }),
      rubric: RUBRIC,
      passThreshold: spec.min,
      ...options,
    }),
    ctx,
  );
  return {
    ...judge,
    grade(input) {
      const passages = contextsOf(spec.contexts, input);
      if (typeof passages === 'string')
        return { grader: name, pass: false, score: 0, reason: passages, error: true };
      const reference = passages.length
        ? passages.map((p, i) => `[${p.id ?? `passage ${i + 1}`}] ${p.text}`).join('\n\n')
        : '(no documents were retrieved)';
      const { expected: _expected, ...rest } = input.case;
      return judge.grade({ ...input, case: { ...rest, reference } });
    },
  };
}
