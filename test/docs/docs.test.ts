import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  collectDocsFacts,
  type DocsFacts,
  DEFAULT_DOCS_DIR,
  DOCUMENTS,
  generateDocs,
  INCIDENT_SECTIONS,
  markerHash,
  renderDocuments,
} from '../../src/docs/index.js';
import { inputsHash } from '../../src/docs/marker.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const REPO = resolve(import.meta.dirname, '../..');
const QUICKSTART = join(REPO, 'examples/quickstart');
const FULL = join(REPO, 'test/fixtures/docs/full');
const FILES = DOCUMENTS.map((d) => d.file);

/** A copy of a project in a temp folder, to change without touching the repository. */
function copy(from: string): string {
  const dir = tempDir('evalgate-docs-');
  cpSync(from, dir, { recursive: true });
  return dir;
}

describe('golden documents', () => {
  // The committed documents are the goldens: what `evalgate docs` writes for the quickstart
  // (no production: or rollout: section) and for a fixture using every section. Regenerate
  // with `npx evalgate docs --config <the config>` and review the diff.
  for (const [name, root] of [
    ['the quickstart', QUICKSTART],
    ['a project with every section', FULL],
  ] as const)
    it(`are what \`evalgate docs\` writes for ${name}, and \`docs --check\` passes`, async () => {
      const docs = await generateDocs(join(root, 'evalgate.yml'));
      expect(docs.map((d) => d.file)).toEqual(FILES);
      for (const doc of docs)
        expect(doc.content, doc.file).toBe(readFileSync(join(root, DEFAULT_DOCS_DIR, doc.file), 'utf8'));
      const check = await runCli(['docs', '--check', '--config', join(root, 'evalgate.yml')], REPO);
      expect(check).toMatchObject({ code: 0, stderr: '' });
      expect(check.stdout).toMatch(/^ok: 4 documents current in /);
    });

  it('say plainly what the quickstart does not declare, rather than invent it', () => {
    const read = (f: string) => readFileSync(join(QUICKSTART, DEFAULT_DOCS_DIR, f), 'utf8');
    expect(read('rollout-checklist.md')).toContain(
      '**No rollout may start: no rollback triggers declared.**',
    );
    expect(read('rollout-checklist.md')).not.toContain('## Rollback triggers');
    expect(read('eval-policy.md')).toContain(
      '**Not declared**: `evalgate.yml` has no `production:` section.',
    );
    // Its code and its articles are declared, so a change to either re-runs the suites.
    expect(read('regression-suite-manifest.md')).toContain(
      '  - `bot-code` (code): `app/bot.mjs`, `app/cli.mjs` and `app/server.mjs`\n',
    );
    expect(read('regression-suite-manifest.md')).not.toContain('uses no component evalgate knows of');
  });

  it('start with a marker naming the regenerating command and the hash of their inputs', async () => {
    const facts = await collectDocsFacts(join(FULL, 'evalgate.yml'));
    for (const [i, spec] of DOCUMENTS.entries()) {
      const text = readFileSync(join(FULL, DEFAULT_DOCS_DIR, spec.file), 'utf8');
      const first = text.split('\n')[0]!;
      expect(first).toContain("run `npx evalgate docs --config evalgate.yml` in the project's folder");
      expect(markerHash(text), spec.file).toBe(inputsHash(spec.file, DOCUMENTS[i]!.inputs(facts)));
    }
    // Another folder is part of the command; the bytes below the marker do not depend on it.
    const elsewhere = renderDocuments(facts, FULL, join(FULL, 'handbook'));
    expect(elsewhere[0]!.content.split('\n')[0]).toContain(
      '`npx evalgate docs --config evalgate.yml --out handbook`',
    );
    const body = (t: string) => t.slice(t.indexOf('\n'));
    expect(body(elsewhere[0]!.content)).toBe(
      body(readFileSync(join(FULL, DEFAULT_DOCS_DIR, FILES[0]!), 'utf8')),
    );
  });

  it('escape what users wrote: owners and descriptions cannot ping, link, or add HTML', () => {
    const manifest = readFileSync(join(FULL, DEFAULT_DOCS_DIR, 'regression-suite-manifest.md'), 'utf8');
    expect(manifest).not.toContain('<b>');
    expect(manifest).not.toMatch(/(^|[^\u200d])@answers-team/);
    expect(manifest).not.toContain('](https://example.com)');
    expect(manifest).toContain('&lt;b&gt;Answers team&lt;/b&gt; \\| @\u200danswers-team');
  });

  it('the incident template has the incident sections, in order', () => {
    const text = readFileSync(join(FULL, DEFAULT_DOCS_DIR, 'incident-log-template.md'), 'utf8');
    const headings = [...text.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(headings).toEqual([...INCIDENT_SECTIONS]);
    // Pre-filled: a row per declared trigger, with its tolerance.
    expect(text).toContain("| `errorRate` |   |   |   | canary rate ≤ 1.5 × control's |   |");
  });
});

describe('the renderers', () => {
  const render = (facts: DocsFacts) =>
    Object.fromEntries(
      renderDocuments(facts, FULL, join(FULL, DEFAULT_DOCS_DIR)).map((d) => [d.file, d.content]),
    );

  it('with triggers but no production policy: the checklist says no records may be made, and keeps the triggers', async () => {
    const facts = await collectDocsFacts(join(FULL, 'evalgate.yml'));
    const docs = render({ ...facts, production: null });
    const checklist = docs['rollout-checklist.md']!;
    expect(checklist).toContain('**No production records may be made: no privacy policy declared.**');
    expect(checklist).not.toContain('No rollout may start');
    expect(checklist).toContain(
      "| `errorRate` | share of records with an error | `error` | canary rate ≤ 1.5 × control's | 500 |",
    );
    // Without a policy nothing is known to be dropped: no trigger is called blind.
    expect(checklist).not.toContain('Blind trigger');
    expect(docs['eval-policy.md']).toContain(
      '**Not declared**: `evalgate.yml` has no `production:` section.',
    );
  });

  it('a policy without drift: thresholds still lists the ones drift applies, its defaults', async () => {
    const facts = await collectDocsFacts(join(FULL, 'evalgate.yml'));
    const { drift: _, ...production } = facts.production!;
    const policy = render({ ...facts, production })['eval-policy.md']!;
    expect(policy).toContain('### Drift');
    expect(policy).toMatch(/- alarm: Holm-corrected χ² at family-wise α = 0\.05 per check/);
    expect(policy).toMatch(/- too few records: under \d+ a window/);
  });

  it('lists every declared trigger: online graders one by one, and one it has no words for as written', async () => {
    const facts = await collectDocsFacts(join(FULL, 'evalgate.yml'));
    // `onlineGraders` (issue 14, another branch) and a trigger no renderer knows yet.
    const triggers = {
      ...facts.rollout!.triggers,
      onlineGraders: {
        pii: { maxDecrease: 0.01, minRecords: 300 },
        '@json|schema': { maxDecrease: 0.05, minRecords: 200 },
      },
      futureRate: { maxWobble: 0.3, minRecords: 100 },
    };
    const docs = render({ ...facts, rollout: { ...facts.rollout!, triggers } as DocsFacts['rollout'] });
    const rows = docs['rollout-checklist.md']!.split('\n').filter((l) => /^\| .* \| \d+ \|$/.test(l));
    expect(rows.slice(5)).toEqual([
      '| `futureRate` | see the README | — | maxWobble 0.3 | 100 |',
      // A grader's name is the user's: escaped (a table cell, a mention).
      '| onlineGraders.@\u200djson\\|schema | pass rate of the online grader @\u200djson\\|schema | — | at most 5 points below control | 200 |',
      '| `onlineGraders.pii` | pass rate of the online grader `pii` | — | at most 1 point below control | 300 |',
    ]);
    expect(rows.slice(0, 5).map((r) => r.split('`')[1])).toEqual([
      'errorRate',
      'safetyEvents',
      'refusalRate',
      'p95LatencyMs',
      'costPerInteraction',
    ]);
    expect(docs['rollout-checklist.md']).toContain('a confidence sequence at level 1 − α/8');
    expect(docs['incident-log-template.md']).toContain(
      '| `onlineGraders.pii` |   |   |   | at most 1 point below control |   |',
    );
  });

  it('the same facts give the same bytes; a change the document does not read leaves it, and its hash, alone', async () => {
    const facts = await collectDocsFacts(join(FULL, 'evalgate.yml'));
    expect(render(structuredClone(facts))).toEqual(render(facts));
    const moreCases = structuredClone(facts);
    moreCases.suites[0]!.cases += 1;
    const a = render(facts);
    const b = render(moreCases);
    expect(b['regression-suite-manifest.md']).not.toBe(a['regression-suite-manifest.md']);
    for (const file of ['eval-policy.md', 'rollout-checklist.md', 'incident-log-template.md'])
      expect(b[file], file).toBe(a[file]);
  });

  it('a baseline file that cannot be read is an error naming it, never "none saved"', async () => {
    const dir = copy(FULL);
    writeFileSync(join(dir, 'baselines/answers.json'), '{"schemaVersion": 1, "suite": "ans');
    const r = await runCli(['docs', '--check'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('baselines/answers.json');
    expect(r.stderr).toContain('baseline is not valid JSON');
  });
});

describe('evalgate docs --check', () => {
  it('catches a config change, names the stale documents and the fix; regenerating makes it pass', async () => {
    const dir = copy(QUICKSTART);
    expect((await runCli(['docs', '--check'], dir)).code).toBe(0);

    // A stricter gate: the eval policy changes; the manifest, checklist and template do not.
    const config = join(dir, 'evalgate.yml');
    writeFileSync(config, `${readFileSync(config, 'utf8')}gate:\n  alpha: 0.01\n`);
    const stale = await runCli(['docs', '--check'], dir);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toBe(
      `stale: ${join(DEFAULT_DOCS_DIR, 'eval-policy.md')}\n` +
        '1 of 4 documents is out of date with the config. Regenerate them: npx evalgate docs\n',
    );
    expect(stale.stderr).toBe('');

    // A suite change reaches the manifest; a deleted document is missing.
    const suite = join(dir, 'suites/safety.yml');
    writeFileSync(suite, readFileSync(suite, 'utf8').replace(/^owner: .*$/m, 'owner: new-owners'));
    rmSync(join(dir, DEFAULT_DOCS_DIR, 'rollout-checklist.md'));
    const more = await runCli(['docs', '--check', '--config', 'evalgate.yml'], dir);
    expect(more.code).toBe(1);
    expect(more.stdout.split('\n').slice(0, 4)).toEqual([
      `stale: ${join(DEFAULT_DOCS_DIR, 'eval-policy.md')}`,
      `stale: ${join(DEFAULT_DOCS_DIR, 'regression-suite-manifest.md')}`,
      `missing: ${join(DEFAULT_DOCS_DIR, 'rollout-checklist.md')}`,
      // The template names the suites' owners to tell.
      `stale: ${join(DEFAULT_DOCS_DIR, 'incident-log-template.md')}`,
    ]);

    const write = await runCli(['docs'], dir);
    expect(write.code).toBe(0);
    expect(write.stdout).toContain(`wrote    ${join(DEFAULT_DOCS_DIR, 'rollout-checklist.md')}`);
    expect(write.stdout).toContain(`updated  ${join(DEFAULT_DOCS_DIR, 'eval-policy.md')}`);
    expect(readFileSync(join(dir, DEFAULT_DOCS_DIR, 'eval-policy.md'), 'utf8')).toContain('α = 0.01');
    expect(readFileSync(join(dir, DEFAULT_DOCS_DIR, 'regression-suite-manifest.md'), 'utf8')).toContain(
      '| `safety` | new-owners |',
    );
    expect(await runCli(['docs', '--check'], dir)).toMatchObject({ code: 0, stderr: '' });
    // Writing again changes nothing.
    expect((await runCli(['docs'], dir)).stdout).toMatch(/^current {2}/);
  });

  it('catches a hand edit below the marker', async () => {
    const dir = copy(QUICKSTART);
    const file = join(dir, DEFAULT_DOCS_DIR, 'regression-suite-manifest.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('| 14 | 14 |', '| 14 | 13 |'));
    const r = await runCli(['docs', '--check'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`stale: ${join(DEFAULT_DOCS_DIR, 'regression-suite-manifest.md')}`);
  });

  it('with --out, checks that folder and names it in the fix', async () => {
    const dir = copy(QUICKSTART);
    const r = await runCli(['docs', '--check', '--out', 'handbook/quality'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('missing: handbook/quality/eval-policy.md\n');
    expect(r.stdout).toContain('Regenerate them: npx evalgate docs --out handbook/quality\n');
    expect((await runCli(['docs', '--out', 'handbook/quality'], dir)).code).toBe(0);
    expect((await runCli(['docs', '--check', '--out', 'handbook/quality'], dir)).code).toBe(0);
  });
});

describe('evalgate docs', () => {
  it('never overwrites a file it did not generate, unless --force', async () => {
    const dir = copy(QUICKSTART);
    const own = join(dir, DEFAULT_DOCS_DIR, 'eval-policy.md');
    writeFileSync(own, '# Our own policy\n');
    const r = await runCli(['docs'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `evalgate: ${join(DEFAULT_DOCS_DIR, 'eval-policy.md')}: not written by evalgate docs (no generated-file marker); move it away, or pass --force to overwrite\n`,
    );
    expect(readFileSync(own, 'utf8')).toBe('# Our own policy\n');
    const check = await runCli(['docs', '--check'], dir);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(
      'not generated: docs/evalgate/eval-policy.md (a file evalgate did not write is in the way)',
    );
    expect(check.stdout).toContain('Regenerate them: npx evalgate docs --force');
    expect((await runCli(['docs', '--force'], dir)).code).toBe(0);
    expect(readFileSync(own, 'utf8')).toMatch(/^<!-- generated by evalgate docs/);
  });

  it('a bad config is exit 2 with file:line:col, and nothing is written', async () => {
    const dir = copy(FULL);
    rmSync(join(dir, DEFAULT_DOCS_DIR), { recursive: true });
    const config = join(dir, 'evalgate.yml');
    writeFileSync(config, readFileSync(config, 'utf8').replace('maxRatio: 1.5', 'maxRatio: 0.5'));
    for (const argv of [['docs'], ['docs', '--check']]) {
      const r = await runCli(argv, dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        'evalgate: config error: evalgate.yml:48:28: rollout.triggers.errorRate.maxRatio: Too small: expected number to be >=1\n',
      );
      expect(r.stdout).toBe('');
    }
    expect(existsSync(join(dir, DEFAULT_DOCS_DIR))).toBe(false);
    expect((await runCli(['docs', '--config', 'nope.yml'], dir)).code).toBe(2);
    expect((await runCli(['docs', '--check', '--force'], dir)).code).toBe(2);
  });

  it('`help docs` is `docs --help`, and `help` lists it', async () => {
    const help = await runCli(['help', 'docs'], REPO);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: evalgate docs \[--config FILE\] \[--out DIR\] \[--check\]/);
    expect(help).toEqual(await runCli(['docs', '--help'], REPO));
    expect((await runCli(['help'], REPO)).stdout).toMatch(/^ {2}docs {7}write the eval policy/m);
  });
});

describe('evalgate init', () => {
  it('writes the documents from the config it wrote; they pass --check; a re-run keeps them', async () => {
    const dir = tempDir('evalgate-docs-init-');
    const r = await runCli(['init', '--yes', '--target', 'command', '--command', 'node app.js'], dir);
    expect(r.code).toBe(0);
    for (const file of FILES) expect(r.stdout).toContain(`wrote           ${DEFAULT_DOCS_DIR}/${file}  — `);
    expect(await runCli(['docs', '--check'], dir)).toMatchObject({ code: 0, stderr: '' });
    const manifest = readFileSync(join(dir, DEFAULT_DOCS_DIR, 'regression-suite-manifest.md'), 'utf8');
    // The starter suite and the four safety packs, each named as the pack it is.
    expect(manifest).toContain('| `starter` | none declared | trusted | regression | `app` | 1 | 0 |');
    expect(manifest).toContain('- file: `evalgate:prompt-injection` (a built-in pack)');
    expect(manifest).not.toContain(REPO);

    const again = await runCli(['init', '--yes', '--target', 'command', '--command', 'node app.js'], dir);
    for (const file of FILES) expect(again.stdout).toContain(`kept            ${DEFAULT_DOCS_DIR}/${file}`);
    expect(again.stdout).toContain('Nothing to write');
  });

  it('lists them on a dry run, and says why when the kept config does not load', async () => {
    const dir = tempDir('evalgate-docs-init-');
    const dry = await runCli(['init', '--yes', '--dry-run'], dir);
    expect(dry.stdout).toContain(
      `would write     ${DEFAULT_DOCS_DIR}/eval-policy.md  — eval policy, generated from evalgate.yml`,
    );
    expect(existsSync(join(dir, DEFAULT_DOCS_DIR))).toBe(false);

    writeFileSync(join(dir, 'evalgate.yml'), 'version: 1\n');
    const r = await runCli(['init', '--yes'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      "note: docs/evalgate/ was not written: evalgate.yml does not load (required field missing (expected record)); fix it, then run 'npx evalgate docs'",
    );
    expect(existsSync(join(dir, DEFAULT_DOCS_DIR))).toBe(false);
  });
});
