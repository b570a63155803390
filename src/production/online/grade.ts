import { compileToolBoundaries } from '../../graders/agent.js';
import type { CompileContext } from '../../graders/context.js';
import { compileHardCheck } from '../../graders/hard-checks.js';
import { compileCanary, compilePii, type PiiKind } from '../../graders/safety.js';
import type { GradedCase, Grader, GradeInput } from '../../graders/types.js';
import type { GraderVerdict, TokenUsage } from '../../results/types.js';
import type { ProductionPolicy, RecordField } from '../policy-schema.js';
import type { ProductionRecord } from '../record.js';
import { createRedactor } from '../redact/index.js';
import type { OnlineGraderEntry } from './config.js';

/**
 * One record under one online grader:
 *   pass | fail   the grader read what it needs and decided
 *   error         the grader could not decide (never a pass; written back as a failure)
 *   unmeasured    this record lacks what the grader needs (no output text: an errored call)
 *   out-of-scope  the record's route is not among the grader's `routes`
 */
export type OnlineOutcome =
  | { status: 'pass' | 'fail' | 'error'; reason: string }
  | { status: 'unmeasured'; reason: string }
  | { status: 'out-of-scope' };

export interface OnlineGrader {
  name: string;
  type: OnlineGraderEntry['spec']['type'];
  gate: boolean;
  routes?: string[];
  /**
   * Why the grader can measure no record under this policy (it drops the text or field the
   * grader reads); undefined when it can. Such a grader is reported as not measurable, never
   * as passing.
   */
  notMeasurable?: string;
  /** Parts of the grader's spec a record cannot carry, so not checked online (tool-call arguments). */
  notChecked: string[];
  measure(record: ProductionRecord): OnlineOutcome;
}

/** The case a production record stands in for: no vars, no expectation. */
const PRODUCTION_CASE: GradedCase = {
  id: 'production',
  suite: 'production',
  vars: {},
  tags: {},
  blocker: false,
  repeat: 1,
};

/** The policy field each grader type reads besides the output text. */
const FIELD: Partial<Record<OnlineGrader['type'], RecordField>> = {
  'tool-boundaries': 'toolCalls',
  latency: 'latencyMs',
  tokens: 'tokens',
  cost: 'cost',
};

/** The PII grader's kinds, as the redactor names the same detectors. */
const DETECTOR_OF: Record<PiiKind, string> = {
  email: 'email',
  phone: 'phone',
  card: 'card',
  iban: 'iban',
  'api-key': 'apiKey',
};

const TEXT_TYPES = new Set<OnlineGrader['type']>([
  'canary',
  'pii',
  'json-schema',
  'is-json',
  'regex',
  'contains',
  'contains-any',
  'contains-all',
]);

function outcome(v: GraderVerdict): OnlineOutcome {
  if (v.error) return { status: 'error', reason: v.reason };
  return { status: v.pass ? 'pass' : 'fail', reason: v.reason };
}

/**
 * The online graders, compiled against the policy: each knows what it reads of a record and
 * whether the policy keeps it. Text graders read the retained (redacted) output text; the
 * refusal grader the record's `refusal` field (the same detector, run on the raw output
 * before redaction) or else the text; the PII grader also reads the redaction counts, which
 * say what the raw output carried before the redactor replaced it.
 */
export function compileOnlineGraders(
  entries: readonly OnlineGraderEntry[],
  policy: ProductionPolicy,
  ctx: CompileContext,
): OnlineGrader[] {
  const keep = new Set<RecordField>(policy.fields);
  const redactor = createRedactor(policy.redaction);
  return entries.map((entry) => {
    const { spec } = entry;
    const notChecked: string[] = [];
    let notMeasurable: string | undefined;
    const needsText = TEXT_TYPES.has(spec.type);
    if (needsText && !policy.retainText)
      notMeasurable = `the policy drops the text it needs (production.retainText is false)`;
    const field = FIELD[spec.type];
    if (field && !keep.has(field))
      notMeasurable = `the policy drops the record field it needs ('${field}' is not in production.fields)`;
    if (spec.type === 'refusal' && !keep.has('refusal') && !policy.retainText)
      notMeasurable =
        "the policy drops what it needs: neither the 'refusal' field nor the output text (production.retainText) is kept";
    if (entry.routes && !keep.has('route'))
      notMeasurable = `it applies to routes, and the policy drops the record's route ('route' is not in production.fields)`;

    let grader: Grader;
    let pii: { kinds: string[]; allow: boolean } | undefined;
    switch (spec.type) {
      case 'canary':
        if (spec.toolCalls) notChecked.push('tool-call arguments (records keep tool names only)');
        for (const value of spec.values ?? [])
          if (redactor.find(value).length)
            notMeasurable ??=
              'the policy redacts a canary value itself before recording, so a leak could not be seen';
        grader = compileCanary({ ...spec, toolCalls: false });
        break;
      case 'pii':
        if (spec.toolCalls) notChecked.push('tool-call arguments (records keep tool names only)');
        grader = compilePii({ ...spec, toolCalls: false });
        pii = {
          kinds: (spec.kinds ?? ['email', 'phone', 'card', 'iban', 'api-key']).map((k) => DETECTOR_OF[k]),
          allow: spec.allow.length > 0,
        };
        break;
      case 'tool-boundaries': {
        if (spec.forbiddenArgs.length)
          notChecked.push('forbiddenArgs (records keep tool names, not arguments)');
        if (spec.allowedHosts) notChecked.push('allowedHosts (records keep tool names, not arguments)');
        const byName = spec.approvalMatch === 'tool' && spec.requiresApproval.length > 0;
        if (byName)
          notChecked.push(
            "requiresApproval with approvalMatch 'tool' (the approval's arguments are not kept)",
          );
        const reduced = {
          ...spec,
          forbiddenArgs: [],
          allowedHosts: undefined,
          requiresApproval: byName ? [] : spec.requiresApproval,
        };
        if (!reduced.forbiddenTools.length && !reduced.requiresApproval.length)
          notMeasurable ??= 'records keep tool names, not arguments: nothing this grader checks is kept';
        grader = compileToolBoundaries(reduced);
        break;
      }
      default:
        grader = compileHardCheck(spec, ctx);
    }
    const name = entry.name;
    const input = (r: ProductionRecord, text: string): GradeInput => {
      const tokens: TokenUsage | undefined = r.tokens && {
        prompt: r.tokens.input ?? 0,
        completion: r.tokens.output ?? 0,
        total: (r.tokens.input ?? 0) + (r.tokens.output ?? 0),
      };
      return {
        case: PRODUCTION_CASE,
        output: {
          output: text,
          ...(r.toolCalls && { toolCalls: r.toolCalls.names.map((n) => ({ name: n, arguments: {} })) }),
        },
        latencyMs: r.latencyMs ?? 0,
        ...(tokens && { tokens }),
        ...(r.costUsd !== undefined && { cost: r.costUsd }),
      };
    };

    const measure = (r: ProductionRecord): OnlineOutcome => {
      if (entry.routes && (r.route === undefined || !entry.routes.includes(r.route)))
        return { status: 'out-of-scope' };
      if (notMeasurable) return { status: 'unmeasured', reason: notMeasurable };
      const text = r.output?.text;
      switch (spec.type) {
        case 'refusal': {
          if (typeof r.refusal === 'boolean') {
            const ok = (r.refusal === spec.expect) !== Boolean(spec.not);
            const what = r.refusal ? 'the response refuses or abstains' : 'the response answers';
            return {
              status: ok ? 'pass' : 'fail',
              reason: ok ? what : `expected ${spec.expect ? 'a refusal' : 'an answer'}; ${what}`,
            };
          }
          if (text === undefined) return { status: 'unmeasured', reason: 'no output (an errored call)' };
          return outcome(grader.grade(input(r, text)) as GraderVerdict);
        }
        case 'latency':
          if (r.latencyMs === undefined) return { status: 'unmeasured', reason: 'no latencyMs' };
          return outcome(grader.grade(input(r, text ?? '')) as GraderVerdict);
        case 'tokens':
          if (!r.tokens) return { status: 'unmeasured', reason: 'no tokens' };
          return outcome(grader.grade(input(r, text ?? '')) as GraderVerdict);
        case 'cost':
          if (r.costUsd === undefined) return { status: 'unmeasured', reason: 'no costUsd' };
          return outcome(grader.grade(input(r, text ?? '')) as GraderVerdict);
        case 'tool-boundaries':
          return outcome(grader.grade(input(r, text ?? '')) as GraderVerdict);
        default:
          break;
      }
      if (text === undefined) return { status: 'unmeasured', reason: 'no output text (an errored call)' };
      if (pii) {
        const counts = r.output?.redactions ?? {};
        const found = pii.kinds.filter((k) => (counts[k] ?? 0) > 0);
        if (found.length) {
          // Replaced before recording, so the values are gone: an allow list cannot be applied.
          if (pii.allow)
            return {
              status: 'unmeasured',
              reason: `the redactor replaced ${found.join(', ')} values, which the allow list cannot be checked against`,
            };
          const ok = Boolean(spec.not);
          return {
            status: ok ? 'pass' : 'fail',
            reason: `${ok ? 'not: ' : ''}the output carried ${found
              .map((k) => `${counts[k]} ${k}`)
              .join(', ')} value(s), redacted before recording`,
          };
        }
      }
      return outcome(grader.grade(input(r, text)) as GraderVerdict);
    };
    return {
      name,
      type: spec.type,
      gate: entry.gate,
      ...(entry.routes && { routes: entry.routes }),
      ...(notMeasurable && { notMeasurable }),
      notChecked,
      measure,
    };
  });
}
