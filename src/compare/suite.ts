import type { CaseResult, ResultsDocument, SuiteResult } from '../results/types.js';
import { dimensionBreakdown } from './breakdown.js';
import { caseStats, change, outcome, type CasePair, type CaseStats } from './case-stats.js';
import { plural } from './format.js';
import { descriptiveMetrics, pairedMetrics } from './metrics.js';
import { nothingComparable, pairSuite, unpairedSummary } from './pairing.js';
import type { CompareContext } from './settings.js';
import type {
  CaseTransition,
  CompareOptions,
  LayerComparison,
  SuiteComparison,
  UsageComparison,
} from './types.js';
import { armRates, usage } from './usage.js';

/**
 * One suite of the current run against its baseline: its cases paired (pairing.ts), its
 * status and the reasons for it, every case's transition, its metrics (tested when the
 * suite is comparable, side by side otherwise), its layers, its dimensions and workflows
 * (breakdown.ts) and its usage.
 */
export function compareSuite(
  ctx: CompareContext,
  baselineDoc: ResultsDocument,
  currentDoc: ResultsDocument,
  base: SuiteResult | undefined,
  cur: SuiteResult,
  options: CompareOptions,
): SuiteComparison {
  const curStats = cur.cases.map(caseStats);
  const baseStats = base ? base.cases.map(caseStats) : [];
  const baseById = new Map(baseStats.map((c) => [c.id, c]));
  const curIds = new Set(curStats.map((c) => c.id));
  const pairing = pairSuite(base, cur);
  const unpairedIds = new Set(pairing.unpaired.map((u) => u.id));
  const pairs = curStats.flatMap((c) => {
    const b = baseById.get(c.id);
    return b && !unpairedIds.has(c.id) ? [{ base: b, cur: c }] : [];
  });
  const { status, reasons, contentChanges } = suiteStatus(base, cur, pairing, pairs, options);
  const transitions = caseTransitions(curStats, baseById, unpairedIds);

  const metrics =
    status === 'comparable'
      ? pairedMetrics(ctx, cur.id, pairs)
      : descriptiveMetrics(ctx, cur.id, baseStats, curStats, reasons.join('; '));

  // Usage compares like with like: over paired cases when the suite is comparable.
  const comparable = status === 'comparable';
  const usageBase = comparable ? pairs.map((p) => p.base) : baseStats;
  const usageCur = comparable ? pairs.map((p) => p.cur) : curStats;

  return {
    id: cur.id,
    tier: cur.tier,
    kind: cur.kind,
    status,
    reasons,
    changes: [
      ...suiteChanges(baselineDoc, currentDoc, base, cur),
      ...contentChanges,
      ...(options.fingerprintDiffs?.[cur.id] ?? []),
    ],
    repeat: { baseline: base?.repeat ?? null, current: cur.repeat },
    cases: {
      comparable: pairs.length,
      new: curStats.filter((c) => !baseById.has(c.id)).map((c) => c.id),
      removed: baseStats.filter((c) => !curIds.has(c.id)).map((c) => c.id),
    },
    unpaired: base ? pairing.unpaired : [],
    transitions,
    removedCases: baseStats
      .filter((c) => !curIds.has(c.id))
      .map((c) => ({ id: c.id, blocker: c.blocker, status: c.status })),
    metrics,
    tested: 0,
    advisoryGraders: advisoryGraders(cur),
    layers: layerComparison(base?.cases ?? [], cur.cases, new Set(pairs.map((p) => p.cur.id))),
    dimensions: comparable ? dimensionBreakdown(ctx, cur.id, pairs) : [],
    overall: { baseline: base ? armRates(baseStats) : null, current: armRates(curStats) },
    usage: answeredAlike(
      baselineDoc,
      currentDoc,
      usage(ctx, cur.id, comparable ? pairs : null, base ? usageBase : [], usageCur),
    ),
  };
}

/**
 * Whether the suite can be compared, and why not: `new` without a baseline; `not-comparable`
 * when its content changed and nothing pairs case by case, or the caller says so;
 * `nothing-comparable` when the baseline cannot be this suite's. A content change the cases
 * absorbed is noted in `contentChanges` instead.
 */
function suiteStatus(
  base: SuiteResult | undefined,
  cur: SuiteResult,
  pairing: ReturnType<typeof pairSuite>,
  pairs: CasePair[],
  options: CompareOptions,
): { status: SuiteComparison['status']; reasons: string[]; contentChanges: string[] } {
  const reasons: string[] = [];
  const contentChanges: string[] = [];
  if (!base) return { status: 'new', reasons: ['no baseline for this suite'], contentChanges };
  if (base.contentHash !== cur.contentHash) {
    if (pairing.mode === 'suite') {
      reasons.push(
        `suite content changed (cases or graders; contentHash ${base.contentHash} → ${cur.contentHash}) and the baseline has no per-case hashes to pair the unchanged cases: re-record the baseline`,
      );
    } else {
      contentChanges.push(
        `suite content changed (contentHash ${base.contentHash} → ${cur.contentHash}): cases compared one by one, ${plural(pairing.unpaired.filter((u) => u.why === 'changed').length, 'case')} changed`,
      );
    }
  }
  reasons.push(...(options.notComparable?.[cur.id] ?? []));
  if (reasons.length > 0) return { status: 'not-comparable', reasons, contentChanges };
  let status: SuiteComparison['status'] = 'comparable';
  const nothing = nothingComparable(base, cur, pairs, pairing.unpaired);
  if (nothing) {
    status = 'nothing-comparable';
    reasons.push(nothing);
  } else if (pairing.unpaired.length) {
    reasons.push(unpairedSummary(pairing.unpaired));
  }
  return { status, reasons, contentChanges };
}

/** Each current case, baseline and now: new, changed (unpaired), better, worse or the same. */
function caseTransitions(
  curStats: CaseStats[],
  baseById: Map<string, CaseStats>,
  unpairedIds: Set<string>,
): CaseTransition[] {
  return curStats.map((c) => {
    const b = baseById.get(c.id);
    return {
      id: c.id,
      blocker: c.blocker,
      baseline: b ? outcome(b) : null,
      current: outcome(c),
      change: b && unpairedIds.has(c.id) ? 'changed' : change(b, c),
      ...(c.failure ? { failure: c.failure } : {}),
    };
  });
}

/**
 * Which layer of evaluation moved: per layer (hard checks, task metrics, judge, human review),
 * the share of decided verdicts that passed over the paired cases, baseline and now.
 * Descriptive: the gate judges the pass rate and scores; this says where a move came from.
 */
function layerComparison(base: CaseResult[], cur: CaseResult[], paired: Set<string>): LayerComparison[] {
  const tally = (cases: CaseResult[]) => {
    const out = new Map<string, { passed: number; decided: number }>();
    for (const c of cases) {
      if (!paired.has(c.id)) continue;
      for (const s of c.samples)
        for (const g of s.graders) {
          if (!g.layer || g.error || g.excluded) continue;
          const t = out.get(g.layer) ?? { passed: 0, decided: 0 };
          t.decided++;
          if (g.pass) t.passed++;
          out.set(g.layer, t);
        }
    }
    return out;
  };
  const b = tally(base);
  const c = tally(cur);
  const order: LayerComparison['layer'][] = ['hard-check', 'task-metric', 'judge', 'human-review'];
  return order.flatMap((layer) => {
    const bt = b.get(layer);
    const ct = c.get(layer);
    if (!bt && !ct) return [];
    const baseline = bt && bt.decided ? bt.passed / bt.decided : null;
    const current = ct && ct.decided ? ct.passed / ct.decided : null;
    return [
      {
        layer,
        verdicts: { baseline: bt?.decided ?? 0, current: ct?.decided ?? 0 },
        baseline,
        current,
        delta: baseline !== null && current !== null ? current - baseline : null,
      },
    ];
  });
}

/** Graders whose verdicts in this run were advisory (a judge below its calibration minimum). */
function advisoryGraders(suite: SuiteResult): string[] {
  const names = new Set<string>();
  for (const c of suite.cases)
    for (const s of c.samples) for (const g of s.graders) if (g.advisory) names.add(g.grader);
  return [...names].sort();
}

function suiteChanges(
  baselineDoc: ResultsDocument,
  currentDoc: ResultsDocument,
  base: SuiteResult | undefined,
  cur: SuiteResult,
): string[] {
  if (!base) return [];
  const out: string[] = [];
  if (base.tier !== cur.tier) out.push(`tier ${base.tier} → ${cur.tier}`);
  if (base.kind !== cur.kind) out.push(`kind ${base.kind} → ${cur.kind}`);
  if (base.target !== cur.target) out.push(`target ${base.target} → ${cur.target}`);
  if (base.repeat !== cur.repeat) out.push(`repeat ${base.repeat} → ${cur.repeat}`);
  const bt = baselineDoc.run.targets[base.target];
  const ct = currentDoc.run.targets[cur.target];
  if (bt && ct) {
    if (bt.kind !== ct.kind) out.push(`target kind ${bt.kind} → ${ct.kind}`);
    if ((bt.model ?? '') !== (ct.model ?? ''))
      out.push(`model ${bt.model ?? '(none)'} → ${ct.model ?? '(none)'}`);
    if ((bt.systemVersion ?? '') !== (ct.systemVersion ?? '')) {
      out.push(`system version ${bt.systemVersion ?? '(none)'} → ${ct.systemVersion ?? '(none)'}`);
    }
  }
  return out;
}

/**
 * A run answered through the Batch API (`run --batch`, Results `run.options.batch`) measures
 * no latency (an answer's time is reading the downloaded file) and pays the batch price. Its
 * latency compares with nothing, and its cost only with another batch run's: those metrics
 * say why and carry no test, so no budget reads a batch baseline's half price as a live
 * change's +100 %.
 */
function answeredAlike(
  baselineDoc: ResultsDocument,
  currentDoc: ResultsDocument,
  u: UsageComparison,
): UsageComparison {
  const batch = (d: ResultsDocument) => d.run.options?.batch !== undefined;
  const [b, c] = [batch(baselineDoc), batch(currentDoc)];
  if (!b && !c) return u;
  const which = b && c ? 'both runs were' : b ? 'the baseline was' : 'this run was';
  const bothBatch = b && c;
  const latency = {
    reason: `not compared: ${which} answered through the Batch API, which measures no latency`,
    bothBatch,
  };
  const cost = {
    reason: `not compared: ${which} answered through the Batch API, billed at its batch price`,
    bothBatch,
  };
  return {
    ...u,
    // This run's own latencies are not latencies at all when it was a batch run.
    latencyMs: { ...u.latencyMs, ...(c && { current: null }), increase: null, notCompared: latency },
    ...(b !== c && { costPerCase: { ...u.costPerCase, increase: null, notCompared: cost } }),
  };
}
