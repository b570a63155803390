import { createHash } from 'node:crypto';
import type { CaseResult, ResultsDocument, SuiteResult } from '../results/types.js';
import { EVALGATE_VERSION } from '../version.js';
import { plainText } from './escape.js';

/**
 * Safety findings as SARIF 2.1.0, for GitHub code scanning (`github/codeql-action/upload-sarif`)
 * and any other SARIF viewer.
 *
 *  - A finding is a safety grader's failing verdict: any failing grader of a `kind: safety`
 *    suite, and the safety detectors (`canary`, `pii`) wherever they run.
 *  - One rule per safety grader, one result per (case, grader), located at the case's line
 *    in its suite file, so the alert opens on the case that leaked.
 *  - `error` for blocker cases and trusted suites (they gate), `warning` for monitoring.
 *  - Messages carry grader reasons only, never the model's output: the safety graders' reasons
 *    mask what they found, and an alert must not become the leak it reports.
 *  - A case that could not be graded is not a finding but is not hidden either: it is a
 *    tool execution notification, and the invocation is marked unsuccessful.
 *  - partialFingerprints hash (suite, case, grader), so an alert keeps its identity across
 *    runs and commits while the case still fails.
 */

const SAFETY_GRADERS = new Set(['canary', 'pii']);

const RULE_TEXT: Record<string, { short: string; full: string; severity: string }> = {
  canary: {
    short: 'A planted secret came back out',
    full: 'A canary planted in the system prompt or context appeared in the output or a tool call: the model followed an injected instruction or revealed its instructions.',
    severity: '8.0',
  },
  pii: {
    short: 'Personal data or a credential in the output',
    full: 'The output (or a tool call) contains personal data or a credential the user should not see: an e-mail address, phone number, payment card, IBAN or API key.',
    severity: '7.5',
  },
  refusal: {
    short: 'Refused what it should answer, or answered what it should refuse',
    full: 'The refusal check failed: a harmful request was answered (missing refusal) or a legitimate one was refused (over-refusal).',
    severity: '6.0',
  },
  'tool-calls': {
    short: 'A tool call broke the tool policy',
    full: "An agent's tool calls broke the case's policy: a forbidden tool or argument, a missing approval, or the wrong order.",
    severity: '7.0',
  },
};

export interface SarifOptions {
  /** Folder of the suite files relative to the repository root ('' = the root). */
  pathPrefix?: string;
}

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: 'error' | 'warning';
  message: { text: string };
  locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[];
  partialFingerprints: Record<string, string>;
  properties: Record<string, unknown>;
}

export function renderSarif(results: ResultsDocument, options: SarifOptions = {}): string {
  const rules: { id: string; grader: string }[] = [];
  const ruleIndex = new Map<string, number>();
  const found: SarifResult[] = [];
  const notifications: { level: 'error'; message: { text: string }; locations: SarifResult['locations'] }[] =
    [];

  for (const suite of results.suites) {
    for (const c of suite.cases) {
      const failing = new Map<string, string>();
      for (const sample of c.samples) {
        for (const g of sample.graders) {
          if (g.pass || g.error || g.advisory) continue;
          if (suite.kind !== 'safety' && !SAFETY_GRADERS.has(g.grader)) continue;
          if (!failing.has(g.grader)) failing.set(g.grader, g.reason);
        }
      }
      const location = locationOf(suite, c, options.pathPrefix);
      for (const [grader, reason] of failing) {
        let index = ruleIndex.get(grader);
        if (index === undefined) {
          index = rules.length;
          ruleIndex.set(grader, index);
          rules.push({ id: ruleId(grader), grader });
        }
        const samples = c.samples.filter((s) =>
          s.graders.some((g) => g.grader === grader && !g.pass && !g.error),
        );
        found.push({
          ruleId: ruleId(grader),
          ruleIndex: index,
          level: c.blocker || suite.tier === 'trusted' ? 'error' : 'warning',
          message: {
            text: plainText(
              `${suite.id} / ${c.id}: ${reason} (${samples.length} of ${c.samples.length} sample${c.samples.length === 1 ? '' : 's'})`,
              { maxLength: 1000 },
            ),
          },
          locations: [location],
          partialFingerprints: { 'evalgateCase/v1': fingerprint(suite.id, c.id, grader) },
          properties: { suite: suite.id, case: c.id, blocker: c.blocker, tier: suite.tier, kind: suite.kind },
        });
      }
      const inSafetyScope = suite.kind === 'safety' || failing.size > 0;
      if (inSafetyScope && c.status === 'error') {
        const error = c.samples.find((s) => s.error)?.error;
        notifications.push({
          level: 'error',
          message: {
            text: plainText(
              `${suite.id} / ${c.id} could not be graded: ${error ? `${error.kind}: ${error.message}` : 'a grader failed'}`,
              { maxLength: 1000 },
            ),
          },
          locations: [location],
        });
      }
    }
  }

  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'evalgate',
            version: EVALGATE_VERSION,
            rules: rules.map(({ id, grader }) => rule(id, grader)),
          },
        },
        invocations: [
          {
            executionSuccessful: notifications.length === 0 && !results.summary.partial,
            ...(notifications.length > 0 && { toolExecutionNotifications: notifications }),
          },
        ],
        // versionControlProvenance needs the repository's absolute URI, which a run does not
        // know; the upload action records the commit itself. Kept as a property for readers.
        ...(results.run.gitSha && { properties: { commit: results.run.gitSha } }),
        results: found,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function ruleId(grader: string): string {
  return `evalgate/${grader}`;
}

function rule(id: string, grader: string) {
  const text = RULE_TEXT[grader] ?? {
    short: `Safety check '${grader}' failed`,
    full: `The safety grader '${grader}' failed on a case of a safety suite.`,
    severity: '5.0',
  };
  return {
    id,
    name: grader.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase()),
    shortDescription: { text: plainText(text.short, { maxLength: 200 }) },
    fullDescription: { text: plainText(text.full, { maxLength: 1000 }) },
    help: {
      text: 'Reproduce the case locally with `evalgate run --suite SUITE --filter id=CASE`; the Results document holds the output and every grader reason.',
    },
    properties: { tags: ['security', 'llm', 'evalgate'], 'security-severity': text.severity },
  };
}

function locationOf(
  suite: SuiteResult,
  c: CaseResult,
  prefix: string | undefined,
): SarifResult['locations'][number] {
  const p = (prefix ?? '').replace(/\\/g, '/').replace(/\/+$/, '');
  const file = (c.location?.file ?? suite.file).replace(/\\/g, '/');
  return {
    physicalLocation: {
      artifactLocation: { uri: encodeURI(p && p !== '.' ? `${p}/${file}` : file) },
      region: { startLine: Math.max(1, Math.floor(c.location?.line ?? 1)) },
    },
  };
}

function fingerprint(suite: string, id: string, grader: string): string {
  return createHash('sha256').update(`${suite}\u0000${id}\u0000${grader}`).digest('hex').slice(0, 32);
}
