import type { LoadedCase, LoadedProject, LoadedSuite } from '../config/load.js';
import { caseInput } from '../config/targets.js';
import type { Grader } from '../graders/types.js';
import { PriceTable } from '../runner/pricing.js';
import type { PreparedRequest, Target } from '../targets/types.js';

/**
 * What a run will cost, before it runs: calls, tokens and USD per target, from the requests
 * the run would send (each case rendered as it will be) and the price table.
 *
 *  - Calls: cases × repeat per target; model-backed graders (judges) add one call per sample.
 *  - Prompt tokens are counted, not guessed: an `openai` target's rendered messages through
 *    OpenAI's own encodings (gpt-tokenizer: o200k_base, cl100k_base for GPT-4 / GPT-3.5-era
 *    models), plus the chat format's per-message overhead (3 tokens a message, 3 to prime
 *    the reply). Other models on an OpenAI-compatible endpoint are counted with o200k_base:
 *    close, not exact, and the estimate says so.
 *  - Completion tokens are the request's own cap (`max_completion_tokens`, `max_tokens`) when
 *    it has one, making the cost an upper bound; otherwise DEFAULT_COMPLETION_TOKENS, said.
 *  - A judge call is priced as its input (the case's prompt, the answer at its cap, and
 *    JUDGE_PROMPT_TOKENS of rubric and instructions) and JUDGE_COMPLETION_TOKENS of verdict.
 *  - `http` and `command` targets send no model name and report no price: their calls are
 *    counted and listed as unpriced; the cost is then a lower bound, and said to be.
 *  - Calls the run's response cache will answer (`EstimateOptions.cached`, asked of each
 *    sample's own request) are counted in `calls` and `costUSD`, which stay what the run
 *    would cost with nothing cached, and left out of `costToSendUSD`, what it will spend.
 *    Judge calls are all counted as sent: a judgement's key holds the answer it grades,
 *    which the estimate does not read.
 */

export const DEFAULT_COMPLETION_TOKENS = 512;
export const JUDGE_PROMPT_TOKENS = 400;
export const JUDGE_COMPLETION_TOKENS = 200;
const MESSAGE_OVERHEAD = 3;
const REPLY_PRIMING = 3;

export interface TargetEstimate {
  target: string;
  kind: string;
  model?: string;
  calls: number;
  promptTokens: number;
  completionTokens: number;
  /** USD; null when the target's calls cannot be priced. */
  costUSD: number | null;
  /** Of `calls`, those the response cache will answer (0 when the run uses no cache). */
  cachedCalls: number;
  /** USD of the calls that will be sent (`costUSD` less the cached ones); null when unpriced. */
  costToSendUSD: number | null;
  /** Why the cost is approximate or unknown. */
  notes: string[];
}

export interface CostEstimate {
  calls: number;
  judgeCalls: number;
  promptTokens: number;
  completionTokens: number;
  /** USD of what can be priced; null when nothing can. */
  costUSD: number | null;
  /** True when every call is priced and every completion capped: the cost is a ceiling. */
  upperBound: boolean;
  /** Calls that could not be priced (http/command targets, unpriced models). */
  unpricedCalls: number;
  /** Whether the run's response cache was looked in (false: the run uses none). */
  cacheChecked: boolean;
  /** Of `calls`, those the response cache will answer: they cost nothing. */
  cachedCalls: number;
  /**
   * USD of the priced calls that will be sent, judge calls included: `costUSD` less what the
   * cache answers, and what budget.maxCostUSD is held to. Null when nothing can be priced.
   */
  costToSendUSD: number | null;
  targets: TargetEstimate[];
  judge?: { model: string; calls: number; costUSD: number | null };
  notes: string[];
}

/** A grader that calls a model (a judge): one call a sample, priced at the judge's model. */
export function callsAModel(g: Pick<Grader, 'layer' | 'fingerprint'>): boolean {
  return g.layer === 'judge' || g.fingerprint !== undefined;
}

type Counter = (text: string) => number;

/** The encoders, loaded when first needed (they are megabytes of tables). */
async function counters(): Promise<{ o200k: Counter; cl100k: Counter }> {
  const [o200k, cl100k] = await Promise.all([
    import('gpt-tokenizer/encoding/o200k_base'),
    import('gpt-tokenizer/encoding/cl100k_base'),
  ]);
  return { o200k: (t) => o200k.countTokens(t), cl100k: (t) => cl100k.countTokens(t) };
}

/** Which encoding a model name uses; `exact` false for models that are not OpenAI's. */
function encodingFor(model: string | undefined): { name: 'o200k' | 'cl100k'; exact: boolean } {
  const m = (model ?? '').toLowerCase().replace(/^.*\//, '');
  if (/^(gpt-4(?!o|\.1|\.5)|gpt-3\.5|text-embedding-3|text-embedding-ada)/.test(m))
    return { name: 'cl100k', exact: true };
  if (/^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o1|o3|o4|chatgpt-|gpt-oss)/.test(m))
    return { name: 'o200k', exact: true };
  return { name: 'o200k', exact: false };
}

interface ChatBody {
  model?: string;
  messages?: { role?: string; content?: unknown; name?: string }[];
  max_tokens?: number;
  max_completion_tokens?: number;
}

function messageText(content: unknown): { text: string; nonText: number } {
  if (typeof content === 'string') return { text: content, nonText: 0 };
  if (!Array.isArray(content))
    return { text: content === undefined || content === null ? '' : JSON.stringify(content), nonText: 0 };
  let text = '';
  let nonText = 0;
  for (const part of content as { type?: string; text?: string }[]) {
    if (part?.type === 'text' && typeof part.text === 'string') text += part.text;
    else nonText++;
  }
  return { text, nonText };
}

/** One sample the run will take: its case, its target and the request it sends. */
export interface PlannedSample {
  suite: LoadedSuite;
  case: LoadedCase;
  target: Target;
  request: PreparedRequest;
  /** The sample's index, as the runner numbers it. */
  index: number;
}

export interface EstimateOptions {
  /**
   * Whether the run's response cache will answer this sample; absent when the run uses no
   * cache. Asked once a sample; a throw is a no.
   */
  cached?: (sample: PlannedSample) => boolean | Promise<boolean>;
}

interface Tally extends TargetEstimate {
  capped: boolean;
  sentPromptTokens: number;
  sentCompletionTokens: number;
}

export async function estimateRun(
  project: LoadedProject,
  suites: readonly LoadedSuite[],
  targets: ReadonlyMap<string, Target>,
  options: EstimateOptions = {},
): Promise<CostEstimate> {
  const prices = new PriceTable(project.config.prices);
  const count = await counters();
  const { cached } = options;
  const perTarget = new Map<string, Tally>();
  const notes = new Set<string>();
  let judgeCalls = 0;
  let judgePrompt = 0;
  let judgeCompletion = 0;

  for (const suite of suites) {
    const target = targets.get(suite.target);
    if (!target) continue;
    const est =
      perTarget.get(suite.target) ??
      perTarget
        .set(suite.target, {
          target: suite.target,
          kind: target.info.kind,
          ...(target.info.model !== undefined && { model: target.info.model }),
          calls: 0,
          promptTokens: 0,
          completionTokens: 0,
          costUSD: null,
          cachedCalls: 0,
          costToSendUSD: null,
          notes: [],
          capped: true,
          sentPromptTokens: 0,
          sentCompletionTokens: 0,
        })
        .get(suite.target)!;
    const encoding = encodingFor(target.info.model);
    for (const c of suite.cases) {
      const samples = Math.max(1, c.repeat);
      const judges = c.graders.filter(callsAModel).length;
      let first: PreparedRequest | undefined;
      let hits = 0;
      if (cached) {
        // Each sample's own request: a target may render sample-dependent parts (a seed).
        for (let i = 0; i < samples; i++) {
          try {
            const request = target.prepare(caseInput(suite, c, i));
            if (i === 0) first = request;
            if (await cached({ suite, case: c, target, request, index: i })) hits++;
          } catch {
            // Not known to be cached: counted as sent.
          }
        }
      }
      est.calls += samples;
      est.cachedCalls += hits;
      judgeCalls += samples * judges;
      if (target.info.kind !== 'openai') continue;
      const request = first ?? target.prepare(caseInput(suite, c, 0));
      const body = request.body as ChatBody;
      let prompt = REPLY_PRIMING;
      for (const m of body.messages ?? []) {
        const { text, nonText } = messageText(m.content);
        prompt += MESSAGE_OVERHEAD + count[encoding.name](`${m.role ?? ''}${m.name ?? ''}${text}`);
        if (nonText) notes.add('images and other non-text message parts are not counted');
      }
      const cap = body.max_completion_tokens ?? body.max_tokens;
      if (cap === undefined) est.capped = false;
      const completion = cap ?? DEFAULT_COMPLETION_TOKENS;
      est.promptTokens += prompt * samples;
      est.completionTokens += completion * samples;
      est.sentPromptTokens += prompt * (samples - hits);
      est.sentCompletionTokens += completion * (samples - hits);
      judgePrompt += samples * judges * (prompt + completion + JUDGE_PROMPT_TOKENS);
      judgeCompletion += samples * judges * JUDGE_COMPLETION_TOKENS;
    }
    if (target.info.kind === 'openai' && !encoding.exact)
      est.notes.push(
        `'${target.info.model ?? '?'}' is not an OpenAI model: its tokens are counted with o200k_base, an approximation`,
      );
  }

  const out: TargetEstimate[] = [];
  for (const est of perTarget.values()) {
    const { capped, sentPromptTokens, sentCompletionTokens, ...rest } = est;
    rest.notes = [...new Set(rest.notes)];
    if (est.kind !== 'openai') {
      rest.notes.push(
        `${est.kind === 'http' ? 'an' : 'a'} ${est.kind} target reports no model or price before it runs: its ${est.calls} calls are not priced`,
      );
    } else {
      const price = prices.lookup(est.model);
      if (price) {
        rest.costUSD = (est.promptTokens * price.input + est.completionTokens * price.output) / 1e6;
        rest.costToSendUSD = (sentPromptTokens * price.input + sentCompletionTokens * price.output) / 1e6;
      } else rest.notes.push(`no price for '${est.model ?? '?'}': add it to \`prices\``);
      if (!capped)
        rest.notes.push(
          `requests without max_tokens: ${DEFAULT_COMPLETION_TOKENS} completion tokens a call assumed (set max_tokens in the model file for a ceiling)`,
        );
    }
    out.push(rest);
  }

  let judge: CostEstimate['judge'];
  if (judgeCalls > 0) {
    const model = project.config.judge.model ?? '(judge model not set)';
    const price = prices.lookup(project.config.judge.model);
    const costUSD =
      price && judgePrompt > 0 ? (judgePrompt * price.input + judgeCompletion * price.output) / 1e6 : null;
    judge = { model, calls: judgeCalls, costUSD };
    if (costUSD === null)
      notes.add(
        judgePrompt === 0
          ? 'judge calls on http/command targets are not priced (their answers are not known before the run)'
          : `no price for the judge model '${model}'`,
      );
    if (cached)
      notes.add(
        'judge calls are counted as sent: whether the cache holds a judgement depends on the answer it grades, which the estimate does not read',
      );
  }

  const priced = out.filter((t) => t.costUSD !== null);
  const judgeCost = judge?.costUSD != null ? [judge.costUSD] : [];
  const costParts = [...priced.map((t) => t.costUSD!), ...judgeCost];
  const sendParts = [...priced.map((t) => t.costToSendUSD!), ...judgeCost];
  const sum = (parts: number[]) => (parts.length ? parts.reduce((a, b) => a + b, 0) : null);
  const unpricedCalls =
    out.filter((t) => t.costUSD === null).reduce((n, t) => n + t.calls, 0) +
    (judge && judge.costUSD === null ? judge.calls : 0);
  return {
    calls: out.reduce((n, t) => n + t.calls, 0),
    judgeCalls,
    promptTokens: out.reduce((n, t) => n + t.promptTokens, 0),
    completionTokens: out.reduce((n, t) => n + t.completionTokens, 0),
    costUSD: sum(costParts),
    upperBound:
      unpricedCalls === 0 &&
      out.every((t) => !t.notes.some((n) => n.startsWith('requests without max_tokens'))),
    unpricedCalls,
    cacheChecked: cached !== undefined,
    cachedCalls: out.reduce((n, t) => n + t.cachedCalls, 0),
    costToSendUSD: sum(sendParts),
    targets: out,
    ...(judge && { judge }),
    notes: [...notes],
  };
}

type CacheFields = 'cacheChecked' | 'cachedCalls' | 'costToSendUSD';

/** An estimate as a plan holds it: one written before the cache was counted has no cache fields. */
export type EstimateView = Omit<CostEstimate, CacheFields | 'targets'> &
  Partial<Pick<CostEstimate, CacheFields>> & {
    targets: (Omit<TargetEstimate, Exclude<CacheFields, 'cacheChecked'>> &
      Partial<Pick<TargetEstimate, Exclude<CacheFields, 'cacheChecked'>>>)[];
  };

/**
 * The estimate in a few lines, for the terminal and the plan. When the run's cache answers
 * some calls, the first line ends with how many and what the rest will cost to send.
 */
export function renderEstimateText(e: EstimateView, formatUsd: (usd: number) => string): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const bound = e.upperBound ? 'at most ' : e.unpricedCalls ? 'at least ' : 'about ';
  const usd = (cost: number | null) => (cost === null ? 'cost unknown' : `${bound}${formatUsd(cost)}`);
  const cached = e.cachedCalls ?? 0;
  const toSend = e.costToSendUSD ?? null;
  // Said when the cache answers something: otherwise what is sent is everything.
  const sending = cached
    ? `; ${cached} answered from the cache, ${toSend === null ? 'cost to send unknown' : `${usd(toSend)} to send`}`
    : '';
  const lines = [
    `Estimated before running: ${plural(e.calls, 'call')}${e.judgeCalls ? ` + ${plural(e.judgeCalls, 'judge call')}` : ''}, ${e.promptTokens} prompt tokens, ${e.completionTokens} completion tokens, ${usd(e.costUSD)}${sending}`,
  ];
  for (const t of e.targets) {
    const fromCache = t.cachedCalls ? ` (${t.cachedCalls} from the cache)` : '';
    const toSend = t.cachedCalls && t.costToSendUSD != null ? ` (${formatUsd(t.costToSendUSD)} to send)` : '';
    lines.push(
      `  ${t.target} (${t.kind}${t.model ? ` ${t.model}` : ''}): ${plural(t.calls, 'call')}${fromCache}, ${t.promptTokens} + ${t.completionTokens} tokens, ${t.costUSD === null ? 'not priced' : formatUsd(t.costUSD)}${toSend}`,
    );
  }
  if (e.judge)
    lines.push(
      `  judge (${e.judge.model}): ${plural(e.judge.calls, 'call')}, ${e.judge.costUSD === null ? 'not priced' : formatUsd(e.judge.costUSD)}`,
    );
  for (const note of [...e.targets.flatMap((t) => t.notes.map((n) => `${t.target}: ${n}`)), ...e.notes])
    lines.push(`  note: ${note}`);
  return `${lines.join('\n')}\n`;
}
