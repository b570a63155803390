import type { DocsFacts } from './facts.js';
import { code, listing, num, pct, plural, table } from './format.js';
import { declaredTriggers } from './triggers.js';
import type { DocumentSpec } from './types.js';

type Inputs = Pick<DocsFacts, 'configFile' | 'rollout'> & {
  /** The record fields the production policy keeps; null without a policy. */
  fields: string[] | null;
  retentionDays: number | null;
  trustedSuites: string[];
};

/**
 * The rollout checklist: what must hold before a canary starts, the rollback triggers it is
 * judged by, how to check it, and the rollback steps. Without a `rollout:` section it says
 * that no rollout may start, and why, rather than offering steps for triggers nobody set.
 */
export const rolloutChecklistDocument: DocumentSpec<Inputs> = {
  file: 'rollout-checklist.md',
  title: 'Rollout checklist',
  inputs: (f) => ({
    configFile: f.configFile,
    rollout: f.rollout,
    fields: f.production ? [...f.production.fields] : null,
    retentionDays: f.production ? f.production.retentionDays : null,
    trustedSuites: f.suites.filter((s) => s.tier === 'trusted').map((s) => s.id),
  }),
  render(i) {
    const lines = [
      '# Rollout checklist',
      '',
      'No rollout without a canary, and no canary without rollback triggers declared before it starts.',
      '',
    ];
    const missing: string[] = [];
    if (i.rollout === null)
      missing.push(
        `**No rollout may start: no rollback triggers declared.** ${code(i.configFile)} has no \`rollout:\` section, so \`evalgate canary\` refuses to judge a canary (exit 2). Declare, before the rollout, each metric's largest tolerated degradation against control and the minimum sample before a decision.`,
      );
    if (i.fields === null)
      missing.push(
        `**No production records may be made: no privacy policy declared.** ${code(i.configFile)} has no \`production:\` section, so there are no records to judge a canary on; \`evalgate canary\` refuses to run without one.`,
      );
    if (missing.length) {
      lines.push('## Not declared', '', ...missing.flatMap((m) => [m, '']));
      if (i.rollout === null) return lines.join('\n').trimEnd() + '\n';
    }
    const rollout = i.rollout!;
    const triggers = declaredTriggers(rollout.triggers);
    const blind =
      i.fields === null ? [] : triggers.filter((t) => t.field !== null && !i.fields!.includes(t.field));
    lines.push(
      '## Before the rollout',
      '',
      `- [ ] The release commit passed the pull-request gate: ${
        i.trustedSuites.length
          ? `the trusted suites (${listing(i.trustedSuites.map(code))}) pass and no blocker case fails`
          : 'no blocker case fails (no suite is trusted)'
      }.`,
      "- [ ] The canary's and the control's system version ids are written down (`npx evalgate versions --json` at build time), and the application stamps its id on every record.",
      `- [ ] Production records of both versions are being made under the privacy policy${
        i.fields === null ? ' — **none is declared** (see above)' : ''
      }.`,
      ...blind.map(
        (t) =>
          `- [ ] **Blind trigger**: ${code(t.name)} reads the record field \`${t.field}\`, which the policy does not keep; \`evalgate canary\` refuses to run until the policy keeps it or the trigger is removed.`,
      ),
      '- [ ] The triggers below are agreed before traffic moves, and are not changed while the canary runs.',
      '',
      '## Rollback triggers',
      '',
      ...table(
        ['trigger', 'measures', 'record field', 'tolerated degradation', 'minimum records a side'],
        triggers.map((t) => [
          code(t.name),
          t.measures,
          t.field === null ? '—' : `\`${t.field}\``,
          t.tolerance,
          String(t.minRecords),
        ]),
      ),
      '',
      `Every trigger's interval is a confidence sequence at level 1 − α/${triggers.length} (α = ${num(rollout.alpha)}): the chance of ever rolling back an unchanged canary, however often it is checked, is at most ${pct(rollout.alpha)}. ${
        rollout.promoteAfterRecords === undefined
          ? 'A canary is promoted only when every trigger is within its tolerance, with confidence.'
          : `A canary is promoted when every trigger is within its tolerance, or at ${rollout.promoteAfterRecords} records a side with none rolled back.`
      }`,
      '',
      '## During the canary',
      '',
      "- [ ] At every new batch of records: `npx evalgate canary --records 'RECORDS_GLOB' --canary CANARY_VERSION --control CONTROL_VERSION --look N --out decision.json`",
      '- `promote` (exit 0): every trigger is within its tolerance; widen to all traffic.',
      '- `continue` (exit 0): not decided yet; keep the split. The report says how many records each side still needs.',
      '- `rollback` (exit 1): a trigger degraded beyond its tolerance; follow the rollback steps now.',
      '',
      '## Rollback steps',
      '',
      "1. [ ] Route all traffic back to the control version (the decision's `control`).",
      "2. [ ] Check that new records carry only the control's version id.",
      `3. [ ] Keep both versions' records until the incident is closed${
        i.retentionDays === null
          ? ''
          : ` (the policy keeps them ${plural(i.retentionDays, 'day')}: copy the evidence before \`evalgate prune\` deletes it)`
      }.`,
      "4. [ ] Open or update the incident from `incident-log-template.md`: what degraded (the decision's `reasons`), since when, the version ids, the evidence table (the decision's `metrics`), the mitigation (this rollback), communication and follow-up.",
      '5. [ ] Turn the failing production records into regression cases (`evalgate incident add-case --record ID --records GLOB --suite SUITE_FILE`), so the fixed version must pass them.',
      '6. [ ] Start the fixed version as a new canary from look 1, under the same triggers.',
      '',
    );
    return lines.join('\n').trimEnd() + '\n';
  },
};
