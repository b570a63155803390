import type {
  CaseResult,
  GraderVerdict,
  ResultsDocument,
  SampleResult,
  SuiteResult,
} from '../results/types.js';
import { xmlAttribute, xmlText } from './escape.js';

/**
 * The Results document as JUnit XML, for the test-report actions and CI dashboards teams
 * already use (dorny/test-reporter, mikepenz/action-junit-report, GitLab, Jenkins).
 *
 *   suite → <testsuite>, case → <testcase classname="SUITE" name="CASE">
 *   a case that failed  → <failure type="GRADER" message="GRADER: REASON">, the body listing
 *                          every failing sample's graders and reasons, the output's start
 *                          and the case's suite-file:line
 *   a case that errored → <error type="KIND" message=...> (the target or a grader failed)
 *
 * An output in which a canary or PII detector fired is withheld: a test report is copied to
 * dashboards and check annotations, and must not spread the leak it reports.
 *
 * Written to the schema most of those tools read (Jenkins xunit's junit-10.xsd, which
 * Surefire's output follows); tests validate against it. That schema has no file or line
 * attribute on a test case, so the location is the first line of the failure's body.
 * Errors are never passes, here too: an errored case is an <error>, counted in `errors`.
 */

/** Graders whose failure means the output holds something that must not be copied around. */
const LEAK_GRADERS = new Set(['canary', 'pii']);

export interface JUnitOptions {
  /** Folder of the suite files relative to the repository root, for the file:line shown ('' = the root). */
  pathPrefix?: string;
  /** Longest output excerpt per sample, in characters. */
  outputChars?: number;
}

export function renderJUnit(results: ResultsDocument, options: JUnitOptions = {}): string {
  const suites = results.suites.map((s) => suiteXml(s, results, options));
  const counts = results.suites.map(suiteCounts);
  const sum = (k: keyof ReturnType<typeof suiteCounts>) => counts.reduce((n, c) => n + c[k], 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="evalgate" tests="${sum('tests')}" failures="${sum('failures')}" errors="${sum('errors')}" time="${seconds(sum('ms'))}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

function suiteCounts(suite: SuiteResult): { tests: number; failures: number; errors: number; ms: number } {
  let failures = 0;
  let errors = 0;
  let ms = 0;
  for (const c of suite.cases) {
    if (c.status === 'fail') failures++;
    if (c.status === 'error') errors++;
    ms += caseMs(c);
  }
  return { tests: suite.cases.length, failures, errors, ms };
}

function suiteXml(suite: SuiteResult, results: ResultsDocument, options: JUnitOptions): string {
  const { tests, failures, errors, ms } = suiteCounts(suite);
  const attributes = [
    ['name', suite.id],
    ['tests', String(tests)],
    ['failures', String(failures)],
    ['errors', String(errors)],
    ['skipped', '0'],
    ['time', seconds(ms)],
    ['timestamp', results.run.startedAt],
    ['file', withPrefix(suite.file, options.pathPrefix)],
  ];
  const properties: [string, string][] = [
    ['tier', suite.tier],
    ['kind', suite.kind],
    ['target', suite.target],
    ['repeat', String(suite.repeat)],
    ['passRate', suite.metrics.passRate === null ? 'n/a' : suite.metrics.passRate.toFixed(4)],
    ...(results.run.gitSha ? [['commit', results.run.gitSha] as [string, string]] : []),
  ];
  return [
    `  <testsuite ${attributes.map(([k, v]) => `${k}="${xmlAttribute(v, { maxLength: 1000 })}"`).join(' ')}>`,
    '    <properties>',
    ...properties.map(
      ([k, v]) =>
        `      <property name="${xmlAttribute(k)}" value="${xmlAttribute(v, { maxLength: 1000 })}"/>`,
    ),
    '    </properties>',
    ...suite.cases.map((c) => caseXml(suite, c, options)),
    '  </testsuite>',
  ].join('\n');
}

function caseXml(suite: SuiteResult, c: CaseResult, options: JUnitOptions): string {
  const name = `${c.blocker ? '[blocker] ' : ''}${c.id}`;
  const open = `    <testcase classname="${xmlAttribute(suite.id, { maxLength: 1000 })}" name="${xmlAttribute(name, { maxLength: 1000 })}" time="${seconds(caseMs(c))}"`;
  if (c.status === 'pass') return `${open}/>`;
  const where = `${withPrefix(c.location?.file ?? suite.file, options.pathPrefix)}:${c.location?.line ?? 1}`;
  const bad = c.samples.filter((s) => s.status === c.status);
  const first = bad[0];
  const tag = c.status === 'fail' ? 'failure' : 'error';
  const type =
    c.status === 'fail' ? (firstFailing(first)?.grader ?? 'grader') : (first?.error?.kind ?? 'error');
  const body = [
    where,
    `${bad.length} of ${c.samples.length} sample${c.samples.length === 1 ? '' : 's'} ${c.status === 'fail' ? 'failed' : 'errored'}`,
    ...bad.flatMap((s) => sampleLines(s, options.outputChars ?? 500)),
  ].join('\n');
  return [
    `${open}>`,
    `      <${tag} type="${xmlAttribute(type, { maxLength: 200 })}" message="${xmlAttribute(headline(first, c.status), { maxLength: 500 })}">${xmlText(body, { maxLength: 20_000 })}</${tag}>`,
    '    </testcase>',
  ].join('\n');
}

function firstFailing(sample: SampleResult | undefined): GraderVerdict | undefined {
  return (
    sample?.graders.find((g) => !g.pass && !g.advisory && !g.error) ?? sample?.graders.find((g) => g.error)
  );
}

function headline(sample: SampleResult | undefined, status: CaseResult['status']): string {
  if (!sample) return status === 'fail' ? 'failed' : 'errored';
  if (sample.error) return `${sample.error.kind}: ${sample.error.message}`;
  const g = firstFailing(sample);
  return g ? `${g.grader}: ${g.reason}` : status;
}

function sampleLines(sample: SampleResult, outputChars: number): string[] {
  const lines = [`sample ${sample.index}:`];
  if (sample.error) lines.push(`  error (${sample.error.kind}): ${sample.error.message}`);
  for (const g of sample.graders) {
    if (g.pass && !g.error) continue;
    const note = g.error ? ' (grader error)' : g.advisory ? ' (advisory)' : '';
    lines.push(`  ${g.grader}${note}: ${g.reason}`);
  }
  const output = sample.output?.output;
  const leaked = sample.graders.some((g) => !g.pass && LEAK_GRADERS.has(g.grader));
  if (output !== undefined && leaked) {
    lines.push('  output: withheld: a leak detector fired on it (the Results document holds it)');
  } else if (output !== undefined) {
    const cut = Array.from(output);
    lines.push(
      `  output: ${cut.length > outputChars ? `${cut.slice(0, outputChars).join('')}… (${cut.length - outputChars} more characters)` : output}`,
    );
  }
  return lines;
}

function caseMs(c: CaseResult): number {
  return c.samples.reduce((n, s) => n + (s.latencyMs ?? 0), 0);
}

/** Seconds with three decimals, the form Surefire writes (`time="1.234"`). */
function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

function withPrefix(file: string, prefix: string | undefined): string {
  const p = (prefix ?? '').replace(/\\/g, '/').replace(/\/+$/, '');
  return p && p !== '.' ? `${p}/${file}` : file;
}
