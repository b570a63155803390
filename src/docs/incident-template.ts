import { INCIDENT_SECTIONS } from '../production/incident/render.js';
import { code, listing, prose, table } from './format.js';
import { declaredTriggers } from './triggers.js';
import type { DocumentSpec } from './types.js';

/**
 * The sections of a model-quality incident, in order: the generated template uses the very
 * headings of the issues the incident workflow opens (`## ${heading}`), so a log kept by hand
 * and one kept by evalgate read the same.
 */
export { INCIDENT_SECTIONS };
export type IncidentSection = (typeof INCIDENT_SECTIONS)[number];

type Inputs = {
  /** Declared rollback triggers, by name, with their tolerance in words. */
  triggers: { name: string; tolerance: string }[];
  owners: string[];
  /** Suite files a production failure can become a case of (not the built-in packs). */
  suiteFiles: string[];
  retentionDays: number | null;
};

/**
 * The model-quality incident log template: one copy per incident, filled in from the canary
 * decision or drift report that raised it. Pre-filled from the config with what is known in
 * advance: the declared triggers (the evidence table's rows), the suites' owners to tell, the
 * suites a failing record can become a case of.
 */
export const incidentTemplateDocument: DocumentSpec<Inputs> = {
  file: 'incident-log-template.md',
  title: 'Model-quality incident log template',
  inputs: (f) => ({
    triggers: f.rollout
      ? declaredTriggers(f.rollout.triggers).map((t) => ({ name: t.name, tolerance: t.tolerance }))
      : [],
    owners: [...new Set(f.suites.flatMap((s) => (s.owner === null ? [] : [s.owner])))].sort(),
    suiteFiles: [
      ...new Set(f.suites.map((s) => s.file).filter((file) => !file.startsWith('evalgate:'))),
    ].sort(),
    retentionDays: f.production ? f.production.retentionDays : null,
  }),
  render(i) {
    const [degraded, since, versions, evidence, mitigation, communication, followUp] = INCIDENT_SECTIONS;
    const rows = i.triggers.length
      ? i.triggers.map((t) => [code(t.name), ' ', ' ', ' ', t.tolerance, ' '])
      : [
          [
            '(no rollback trigger declared: one row per drifted feature or degraded metric)',
            ' ',
            ' ',
            ' ',
            ' ',
            ' ',
          ],
        ];
    const lines = [
      '# Model-quality incident log template',
      '',
      'Copy this for each incident (or let `evalgate incident` open it as a GitHub issue) and keep it up to date until the incident is closed. Quality degraded means: a canary rolled back, drift alarmed, or users report wrong, unsafe or refused answers.',
      '',
      '**Incident:** _short title_  ',
      '**Status:** open | mitigated | closed  ',
      '**Opened by:** _name, or the run that raised it_',
      '',
      `## ${degraded}`,
      '',
      '_Which metric or behaviour, for which users, routes or languages, and how bad: the trigger or drifted feature, as the decision or report names it._',
      '',
      `## ${since}`,
      '',
      '_When the degradation started (the first record or look that shows it), when it was detected, and when it was mitigated._',
      '',
      `## ${versions}`,
      '',
      '- canary / current system version: `…`',
      '- control / last good system version: `…`',
      '- prompt, model and retrieval version ids (`evalgate versions --json`): `…`',
      '',
      `## ${evidence}`,
      '',
      ...table(
        ['metric', 'canary (current)', 'control (reference)', 'effect and interval', 'tolerance', 'records'],
        rows,
      ),
      '',
      `_Attach the decision JSON (\`evalgate canary --out\`) or the drift report, and the ids of records that show the failure${
        i.retentionDays === null
          ? ''
          : ` (records are kept ${i.retentionDays} days: copy what the follow-up needs)`
      }._`,
      '',
      `## ${mitigation}`,
      '',
      '- [ ] Rolled back to the control version, or the feature turned off: _what, when, by whom_',
      "- [ ] Confirmed: new records carry the control's version id and the metric is back within tolerance",
      '',
      `## ${communication}`,
      '',
      `- [ ] Told: ${i.owners.length ? `the suite owners (${listing(i.owners.map(prose))})` : 'the owners of the affected suites (no suite declares an `owner:`)'}, support, and affected users where needed: _who, when, where_`,
      '- [ ] Status updates: _when the next one is due_',
      '',
      `## ${followUp}`,
      '',
      `- [ ] Every failing production record is a regression case: \`evalgate incident add-case --record ID --records GLOB --suite SUITE_FILE --pull-request\` (redacted, PII-scanned, tagged \`source: production-incident\`, a blocker), into ${
        i.suiteFiles.length ? listing(i.suiteFiles.map(code), 'none', 'or') : 'a suite file'
      }`,
      '- [ ] The fix passes those cases, and goes out as a new canary under the same triggers',
      '- [ ] A trigger or threshold that fired too late (or not at all) is tightened in the config, before the next rollout',
      '- [ ] Root cause, and what will keep it from happening again: _…_',
      '',
    ];
    return lines.join('\n').trimEnd() + '\n';
  },
};
