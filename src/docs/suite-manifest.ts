import type { BaselineFacts, DocsFacts, SuiteFacts, TargetFacts } from './facts.js';
import { code, listing, plural, prose, table } from './format.js';
import type { DocumentSpec } from './types.js';

type Inputs = Pick<DocsFacts, 'configFile' | 'suites' | 'targets' | 'baselines'>;

/**
 * The regression suite manifest: every suite with its owner, tier, kind, case counts by tag,
 * what a change must touch to re-run it (the plan stage's rules, spelled out per suite), and
 * its last stored baseline.
 */
export const suiteManifestDocument: DocumentSpec<Inputs> = {
  file: 'regression-suite-manifest.md',
  title: 'Regression suite manifest',
  inputs: (f) => ({ configFile: f.configFile, suites: f.suites, targets: f.targets, baselines: f.baselines }),
  render(i) {
    const lines = [
      '# Regression suite manifest',
      '',
      `Every suite ${code(i.configFile)} runs: who owns it, whether it may gate, what it holds, which changes re-run it and its last baseline.`,
      '',
      ...table(
        ['suite', 'owner', 'tier', 'kind', 'target', 'cases', 'blockers', 'last baseline'],
        i.suites.map((s) => [
          code(s.id),
          s.owner === null ? 'none declared' : prose(s.owner),
          s.tier,
          s.kind,
          code(s.target),
          String(s.cases),
          String(s.blockers),
          baselineCell(s.id, i.baselines),
        ]),
      ),
      '',
      baselineNote(i.baselines),
      '',
    ];
    for (const s of i.suites) lines.push(...suiteSection(s, i));
    return lines.join('\n').trimEnd() + '\n';
  },
};

function suiteSection(s: SuiteFacts, i: Inputs): string[] {
  const lines = [`## ${code(s.id)}`, ''];
  if (s.description !== null) lines.push(prose(s.description), '');
  lines.push(
    `- owner: ${s.owner === null ? 'none declared (add `owner:` to the suite file)' : prose(s.owner)}`,
    `- tier: \`${s.tier}\`${s.tier === 'trusted' ? ' (may gate)' : ' (informs only)'}; kind: \`${s.kind}\``,
    `- target: ${code(s.target)}; each case ${s.repeat === 1 ? 'runs once' : `runs ${s.repeat} times`}`,
    `- file: ${s.file.startsWith('evalgate:') ? `${code(s.file)} (a built-in pack)` : code(s.file)}${
      s.datasets.length ? `; datasets: ${listing(s.datasets.map(code))}` : ''
    }`,
    `- cases: ${s.cases}, of which ${plural(s.blockers, 'blocker')}`,
    '',
    '### Cases by tag',
    '',
  );
  if (s.tags.length === 0) lines.push('No case is tagged.', '');
  else
    lines.push(
      ...table(
        ['tag', 'value', 'cases'],
        s.tags.map((t) => [code(t.tag), code(t.value), String(t.cases)]),
      ),
      '',
    );
  lines.push(
    '### Depends on',
    '',
    'A change to any of these re-runs it on a pull request:',
    '',
    ...dependencies(s, i),
    '',
  );
  lines.push('### Last baseline', '', baselineText(s.id, i.baselines), '');
  return lines;
}

function dependencies(s: SuiteFacts, i: Inputs): string[] {
  if (s.always) return ['- every change: `always: true`'];
  const out = [
    s.file.startsWith('evalgate:')
      ? `- its cases: ${code(s.file)} ships with evalgate, so only an evalgate upgrade changes them`
      : `- its own file${s.datasets.length ? ' and datasets' : ''}: ${listing([s.file, ...s.datasets].map(code))}`,
    `- the config: ${code(i.configFile)}`,
  ];
  const target = i.targets.find((t) => t.name === s.target);
  out.push(...targetDependencies(target, s.target));
  for (const pattern of s.dependsOn) out.push(`- files matching ${code(pattern)} (\`dependsOn\`)`);
  if (s.kind === 'safety')
    out.push('- any model change in the project, whichever target it is in (a safety suite)');
  return out;
}

function targetDependencies(target: TargetFacts | undefined, name: string): string[] {
  if (!target || target.components.length === 0)
    return [
      `- target ${code(name)}${target ? ` (\`${target.type}\`)` : ''} uses no component evalgate knows of: a change to the application's own files does not re-run this suite. Declare them under \`components:\` and list them in the target's \`components\`.`,
    ];
  return [
    `- target ${code(name)} (\`${target.type}\`), through its components:`,
    ...target.components.map((c) => {
      const files = c.files.map((f) =>
        f.keys === null
          ? code(f.path)
          : // An inferred model component owns the model parameters of its prompt's front matter.
            `${code(f.path)} (${c.declared ? `keys ${listing(f.keys.map(code))}` : 'its model parameters'})`,
      );
      return `  - ${code(c.name)} (${c.kind}${c.declared ? '' : ', inferred from the target'}): ${listing(files, 'no file matches it yet')}`;
    }),
  ];
}

function baselineCell(id: string, b: BaselineFacts): string {
  if (b.store === 'path') {
    const entry = b.bySuite[id];
    return entry
      ? `${code(entry.recordedAt)}${entry.commit ? ` at ${code(entry.commit.slice(0, 12))}` : ''}`
      : 'none saved';
  }
  return b.store === 'rerun' ? 'none kept (`rerun`)' : `on ${code(b.branch)}`;
}

function baselineText(id: string, b: BaselineFacts): string {
  switch (b.store) {
    case 'path': {
      const entry = b.bySuite[id];
      if (!entry)
        return `None saved in ${code(b.dir)}: until \`evalgate baseline save\` stores one, pull requests check only this suite's blocker cases.`;
      return `Recorded ${code(entry.recordedAt)}${entry.commit ? ` at commit ${code(entry.commit)}` : ''}: ${plural(entry.cases, 'case')}, outputs kept \`${entry.privacy}\` (in ${code(b.dir)}).`;
    }
    case 'git-branch':
      return `Kept on the branch ${code(b.branch)}${b.remote === null ? '' : ` of ${code(b.remote)}`}, outside this checkout: \`evalgate baseline list\` shows when it was last saved.`;
    case 'rerun':
      return 'None kept: each pull request runs its base again (`baseline.store: rerun`).';
  }
}

function baselineNote(b: BaselineFacts): string {
  switch (b.store) {
    case 'path':
      return `Baselines are read from ${code(b.dir)} in this checkout.`;
    case 'git-branch':
      return `Baselines live on the branch ${code(b.branch)}, which moves with every run on the default branch; this document names it rather than copy a snapshot that would differ between clones. \`evalgate baseline list\` shows the latest.`;
    case 'rerun':
      return 'No baseline is stored: each pull request runs its base again.';
  }
}
