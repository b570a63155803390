import type { ComparisonDocument } from '../compare/types.js';
import {
  applyConfirmation,
  caseKey,
  confirmBlockers,
  planBlockerConfirmation,
  type BlockerConfirmation,
  type FreshCounts,
} from '../gate/confirm.js';
import type { GatePolicy } from '../gate/schema.js';
import type { Verdict } from '../gate/types.js';
import { countSamples, type ArmSampler } from './arms.js';

/**
 * Failing blockers re-sampled fresh before they block (the design and its error rates:
 * gate/confirm.ts). The change's arm first; the base's only for the cases that still fail
 * and only when there is a base (`baseArm`), so a flake costs n calls, a real failure 2n.
 * A sampling failure leaves the stage-1 verdict as it was: never better than the evidence.
 */
export async function confirmFailingBlockers(options: {
  comparison: ComparisonDocument;
  verdict: Verdict;
  policy: GatePolicy;
  baseArm: boolean;
  sample: () => ArmSampler;
}): Promise<{ verdict: Verdict; confirmation: BlockerConfirmation }> {
  const { policy, verdict, baseArm } = options;
  const plan = planBlockerConfirmation(options.comparison, verdict, policy, { baseArm });
  const nothing = plan.cases.length === 0 && plan.skipped.length === 0;
  const confirmation = emptyConfirmation(
    policy,
    nothing ? 'not-needed' : policy.blockers.confirm.callBudget === 0 ? 'off' : 'ran',
    baseArm,
  );
  confirmation.skipped = plan.skipped;
  if (confirmation.status !== 'ran' || plan.cases.length === 0) return { verdict, confirmation };

  const sample = options.sample();
  try {
    const current = countSamples(await sample('current', plan.cases, plan.samples));
    confirmation.calls.current = plan.cases.length * plan.samples;
    let base: Map<string, FreshCounts> | null = baseArm ? new Map() : null;
    const stillFailing = plan.cases.filter((c) => {
      const n = current.get(caseKey(c.suite, c.case));
      return n !== undefined && n.failed * 2 > n.passed + n.failed;
    });
    if (baseArm && stillFailing.length) {
      base = countSamples(await sample('base', stillFailing, plan.samples));
      confirmation.calls.base = stillFailing.length * plan.samples;
    }
    confirmation.blockers = confirmBlockers(plan, { current, base });
  } catch (e) {
    confirmation.status = 'failed';
    confirmation.error = (e as Error).message;
    return { verdict, confirmation };
  }
  return { verdict: applyConfirmation(verdict, confirmation.blockers, policy), confirmation };
}

export function emptyConfirmation(
  policy: GatePolicy,
  status: BlockerConfirmation['status'],
  baseArm: boolean,
): BlockerConfirmation {
  return {
    status,
    samples: policy.blockers.confirm.samples,
    baseArm,
    budget: policy.blockers.confirm.callBudget,
    calls: { current: 0, base: 0 },
    blockers: [],
    skipped: [],
  };
}
