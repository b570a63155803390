import { BUDGET_KEYS, type Budget, type GatePolicy } from '../gate/schema.js';
import { DriftConfigSchema } from '../production/drift/config.js';
import { policyMarkdown } from '../production/policy.js';
import type { DocsFacts } from './facts.js';
import { code, listing, num, pct, plural, table } from './format.js';
import type { DocumentSpec } from './types.js';

type Inputs = Pick<DocsFacts, 'configFile' | 'gate' | 'judge' | 'baselineConfig' | 'production'> & {
  suites: { id: string; tier: string; kind: string }[];
};

/**
 * The eval policy: which suites may gate (tiers), when a change may merge (the gate), how
 * judges earn a say, what the baselines keep, and what production data may be sampled,
 * kept and for how long. The production part is `evalgate policy`'s rendering, reused.
 */
export const evalPolicyDocument: DocumentSpec<Inputs> = {
  file: 'eval-policy.md',
  title: 'Eval policy',
  inputs: (f) => ({
    configFile: f.configFile,
    gate: f.gate,
    judge: f.judge,
    baselineConfig: f.baselineConfig,
    production: f.production,
    suites: f.suites.map((s) => ({ id: s.id, tier: s.tier, kind: s.kind })),
  }),
  render(i) {
    const suitesOf = (tier: string) =>
      listing(
        i.suites.filter((s) => s.tier === tier).map((s) => code(s.id)),
        'none',
      );
    const lines = [
      '# Eval policy',
      '',
      `The rules ${code(i.configFile)} declares for this project's evaluations, every default filled in: which suites may block a change, when a change may merge, and what production data may be sampled and kept.`,
      '',
      '## Tiers',
      '',
      ...table(
        ['tier', 'what it may do', 'suites'],
        [
          [
            '`trusted`',
            'hand-audited: a significant regression, an inconclusive one (per `onInconclusive`) or a failing blocker fails the gate',
            suitesOf('trusted'),
          ],
          [
            '`monitoring`',
            'informs only: its regressions are reported, at most as warnings; its blocker cases still block',
            suitesOf('monitoring'),
          ],
        ],
      ),
      '',
      `Blocker cases have zero tolerance in every tier, with no statistics: a blocker that fails fails the gate. Safety suites (${listing(
        i.suites.filter((s) => s.kind === 'safety').map((s) => code(s.id)),
        'none here',
      )}) run again on every model change, wherever it is.`,
      '',
      ...gateSection(i.gate),
      ...judgeSection(i.judge),
      ...baselineSection(i.baselineConfig, i.gate),
      ...productionSection(i.production, i.configFile),
    ];
    return lines.join('\n');
  },
};

const INCONCLUSIVE: Record<GatePolicy['onInconclusive'], string> = {
  neutral: '`neutral`: the check says `inconclusive`, never a silent pass',
  warn: '`warn`',
  fail: '`fail`: the gate fails until the data can tell',
};

function gateSection(g: GatePolicy): string[] {
  const b = g.blockers;
  const lines = [
    '## Gates',
    '',
    "A pull request is compared with the default branch's baseline, suite by suite, case by case (paired):",
    '',
    `- **Significance**: per suite, α = ${num(g.alpha)} over the suite's tested metrics together (Holm's correction), so a suite's verdict does not depend on which other suites ran.`,
    `- **Minimum effect**: a drop smaller than ${num(g.minEffect * 100)} percentage points of pass rate (${num(g.minEffect)} of a grader's score) is never a regression.`,
    `- **Inconclusive** (a drop beyond the minimum effect that is not significant, or a suite that cannot be compared): ${INCONCLUSIVE[g.onInconclusive]}.`,
    `- **Nothing comparable** (a baseline with no case to pair): ${g.onNothingComparable} for trusted suites, warn for monitoring ones.`,
    `- **Blocker cases**: failing now → fail; still failing since the baseline → ${b.stillFailing}; removed → ${b.removed}; failing on the pull request's base too → ${b.preexisting}. ${
      b.confirm.callBudget > 0
        ? `A failing blocker is confirmed with ${plural(b.confirm.samples, 'fresh sample')} (majority decides) before it blocks, within ${plural(b.confirm.callBudget, 'model call')} a run.`
        : 'Failing blockers are not re-checked (confirmation is off).'
    }`,
    `- **Added or edited cases** have no baseline: they are run on the base as well, within ${plural(g.edits.callBudget, 'model call')}; any left over are named as unverified.`,
    `- **Errors**: a trusted suite with more than ${pct(g.errors.maxRate)} of its samples errored gets the verdict \`error\`: the run says nothing, and the gate fails closed.`,
    `- **Re-sampling** of inconclusive regressions: ${
      g.resample.callBudget > 0
        ? `on, within ${plural(g.resample.callBudget, 'model call')}, ${plural(g.resample.samplesPerArm, 'sample')} per arm, α split by ${g.resample.spending} (stage 1: ${pct(g.resample.stage1Fraction)} of the information).`
        : 'off.'
    }`,
    `- **Samples per case**: ${
      g.sampling.mode === 'sequential'
        ? `sequential: one sample per case, then more in both arms only where they disagree, up to ${plural(g.sampling.maxSamples, 'sample')} per case and arm, within ${num(g.sampling.callBudget)}× the suite's cases in calls.`
        : "fixed: each suite's `repeat`."
    }`,
    `- **Dimensions and workflows**: each suite's paired cases are also compared per dimension (correctness, usefulness, risk, grounding) and per \`workflow\` tag, where at least ${plural(g.dimensions.minCases, 'paired case')} make a cell; one cell improving while another regresses is a trade-off needing a product decision (${g.dimensions.onTradeOff}). A dimension blocks only where a metric rule says so (\`dimension:<name>\` below).`,
    '',
    '### Budgets',
    '',
    ...table(
      ['budget', 'relative change tolerated', 'at least', 'absolute limit', 'when exceeded'],
      BUDGET_KEYS.map((key) => {
        const x: Budget = g.budgets[key];
        const rise = x.maxIncreasePct === null ? null : `rise ${num(x.maxIncreasePct)} %`;
        const drop = x.maxDecreasePct == null ? null : `drop ${num(x.maxDecreasePct)} %`;
        return [
          `\`${key}\``,
          [rise, drop].filter(Boolean).join(', ') || 'none',
          num(x.minAbsoluteIncrease),
          x.max === null ? 'none' : num(x.max),
          x.action,
        ];
      }),
    ),
    '',
    'Latency, tokens, cost, tool calls and abstention are bootstrap-tested: noise between identical runs never trips a budget. Monitoring suites only warn.',
    '',
  ];
  const metrics = Object.keys(g.metrics).sort();
  if (metrics.length) {
    lines.push(
      '### Per metric',
      '',
      ...table(
        ['metric', 'α', 'minimum effect', 'blocks'],
        metrics.map((m) => {
          const p = g.metrics[m]!;
          return [
            code(m),
            p.alpha === undefined ? 'default' : num(p.alpha),
            p.minEffect === undefined ? 'default' : num(p.minEffect),
            p.block === undefined ? 'default' : p.block ? 'yes' : 'no',
          ];
        }),
      ),
      '',
    );
  }
  const suites = Object.keys(g.suites).sort();
  if (suites.length) {
    lines.push('### Per suite', '');
    for (const id of suites) {
      const p = g.suites[id]!;
      const parts: string[] = [];
      if (p.alpha !== undefined) parts.push(`α ${num(p.alpha)}`);
      if (p.minEffect !== undefined) parts.push(`minimum effect ${num(p.minEffect)}`);
      if (p.onInconclusive !== undefined) parts.push(`inconclusive: ${p.onInconclusive}`);
      if (p.onNothingComparable !== undefined) parts.push(`nothing comparable: ${p.onNothingComparable}`);
      for (const [m, mp] of Object.entries(p.metrics ?? {}).sort((a, b) => (a[0] < b[0] ? -1 : 1)))
        parts.push(
          `${code(m)}: ${
            [
              mp.alpha !== undefined && `α ${num(mp.alpha)}`,
              mp.minEffect !== undefined && `minimum effect ${num(mp.minEffect)}`,
              mp.block !== undefined && (mp.block ? 'blocks' : 'does not block'),
            ]
              .filter(Boolean)
              .join(', ') || 'defaults'
          }`,
        );
      for (const [k, bp] of Object.entries(p.budgets ?? {}).sort((a, b) => (a[0] < b[0] ? -1 : 1)))
        parts.push(
          `budget \`${k}\`: ${
            Object.entries(bp ?? {})
              .filter(([, v]) => v !== undefined)
              .sort((a, b) => (a[0] < b[0] ? -1 : 1))
              .map(([f, v]) => `${f} ${v === null ? 'none' : String(v)}`)
              .join(', ') || 'defaults'
          }`,
        );
      lines.push(`- ${code(id)}: ${parts.join('; ') || 'the defaults'}`);
    }
    lines.push('');
  }
  return lines;
}

function judgeSection(j: DocsFacts['judge']): string[] {
  return [
    '## LLM judges',
    '',
    `A \`judge\` grader is advisory (its verdicts are reported, never blocking) until a calibration report shows it agrees with human labels: at least ${plural(j.minLabels, 'judged label')}, ${j.minLabelsPerClass} human passes and as many fails, and the lower bound of Cohen's κ's 95 % interval at least ${num(j.minKappa)}. Calibration report: ${
      j.calibration === null ? 'none declared, so every judge here is advisory' : code(j.calibration)
    }.`,
    '',
  ];
}

function baselineSection(b: DocsFacts['baselineConfig'], g: GatePolicy): string[] {
  const where =
    b.store === 'git-branch'
      ? `on the branch ${code(b.branch)}${b.remote === null ? '' : ` of the remote ${code(b.remote)}`}, written without touching the working tree`
      : b.store === 'path'
        ? `in the folder ${code(b.path)}, committed like any file`
        : 'nowhere: each pull request runs its base again (`rerun`)';
  const privacy = {
    raw: 'outputs are kept as the model wrote them',
    redacted:
      'outputs are kept with e-mail addresses, phone numbers, card numbers and API-key-like tokens replaced by `[REDACTED:kind]`',
    hash: 'outputs are kept only as SHA-256 hashes: equality can be checked, nothing read',
  }[b.privacy];
  return [
    '## Baselines',
    '',
    `- kept: ${where}`,
    `- privacy: \`${b.privacy}\`: ${privacy}`,
    `- stale after ${plural(g.baseline.maxAgeDays, 'day')}: ${g.baseline.onStale}`,
    '',
  ];
}

function productionSection(p: DocsFacts['production'], configFile: string): string[] {
  if (p === null)
    return [
      '## Production sampling, privacy and retention',
      '',
      `**Not declared**: ${code(configFile)} has no \`production:\` section. No production interaction may be sampled or recorded: \`evalgate record\`, \`prune\`, \`drift\` and \`canary\` refuse to run until a privacy policy is written down. Nothing is sampled, so nothing is retained.`,
      '',
    ];
  // `evalgate policy`'s own rendering, one heading level down; without an environment, so
  // the document says what the policy is, not whether this machine has the key.
  const body = policyMarkdown(p, null)
    .split('\n')
    .map((l) => (l.startsWith('#') ? `#${l}` : l))
    .join('\n')
    .replace(/^## Production privacy policy/, '## Production sampling, privacy and retention');
  const lines = [body.trimEnd(), ''];
  {
    // The thresholds `evalgate drift` applies: the declared ones, else its defaults.
    const d = p.drift ?? DriftConfigSchema.parse({});
    const features = Object.entries(d.features).sort((a, b) => (a[0] < b[0] ? -1 : 1));
    lines.push(
      '### Drift',
      '',
      `- alarm: Holm-corrected χ² at family-wise α = ${num(d.alpha)} per check, and an effect of at least PSI ${num(d.psi)} (numeric and categorical, ${d.bins} quantile bins) or Cohen's h ${num(d.rateEffect)} (rates)`,
      `- too few records: under ${d.minRecords} a window`,
      ...features.map(
        ([name, f]) =>
          `- ${code(name)}: ${f?.ignore ? 'ignored' : f?.threshold !== undefined ? `threshold ${num(f.threshold)}` : 'defaults'}`,
      ),
      `- coverage: a value in at least ${pct(d.coverage.minShare)} of records with fewer than ${plural(d.coverage.minCases, 'suite case')} is listed`,
      '',
    );
  }
  return lines;
}
