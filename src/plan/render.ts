import type { Change, FileChange, Plan, Reason } from './types.js';

const STATUS_LETTER: Record<FileChange['status'], string> = {
  added: 'A',
  modified: 'M',
  deleted: 'D',
  renamed: 'R',
};

/** The plan for people: what changed, what runs and why. Plain text, no colour. */
export function renderPlanText(plan: Plan): string {
  const lines: string[] = [];
  lines.push(
    `evalgate plan: ${plan.base.ref} (${short(plan.base.sha)})...${plan.head.ref} (${short(plan.head.sha)}), merge base ${short(plan.mergeBase)}`,
  );
  lines.push(plan.summary);

  if (plan.changes.length) {
    lines.push('', 'Changes:');
    const width = Math.max(...plan.changes.map((c) => c.component.length));
    for (const c of plan.changes) {
      const effect = describeEffect(c);
      lines.push(
        `  ${c.kind.padEnd(10)} ${c.component.padEnd(width)}  ${versions(c.old, c.new)}  ${c.files.join(', ')}${effect ? `  (${effect})` : ''}`.trimEnd(),
      );
    }
  }

  if (plan.files.length) {
    lines.push('', 'Files:');
    const names = plan.files.map((f) => (f.previousPath ? `${f.path} (from ${f.previousPath})` : f.path));
    const width = Math.max(...names.map((n) => n.length));
    plan.files.forEach((f, i) => {
      const effect = [
        ...(f.components.length ? [f.components.join(', ')] : []),
        ...(f.unclassified
          ? [f.components.length ? '(and keys no component claims)' : 'not part of any component']
          : []),
      ];
      const what = effect.length ? effect.join(' ') : 'no semantic change';
      lines.push(
        `  ${STATUS_LETTER[f.status]} ${names[i]!.padEnd(width)}  ${what}${f.binary ? ' (binary)' : ''}`,
      );
    });
  }

  const total = plan.suites.length + plan.unaffected.length;
  lines.push('', `Suites to run (${plan.suites.length} of ${total}):`);
  if (plan.suites.length === 0) lines.push('  none');
  const width = Math.max(0, ...plan.suites.map((s) => s.id.length));
  for (const suite of plan.suites) {
    suite.reasons.forEach((r, i) => {
      lines.push(`  ${(i === 0 ? suite.id : '').padEnd(width)}  ${describeReason(r)}`);
    });
  }
  if (plan.unaffected.length) lines.push('', `Not affected: ${plan.unaffected.join(', ')}`);
  if (plan.removed.length) {
    lines.push('', `Removed at head, not run: ${plan.removed.map((s) => `${s.id} (${s.file})`).join(', ')}`);
  }
  if (plan.warnings.length) {
    lines.push('', 'Warnings:');
    for (const w of plan.warnings) lines.push(`  ${w}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * What a change does to the requests sent, when the plan rendered them: `no effective change:
 * every one of 3 rendered requests is byte-identical`, `2 of 3 rendered requests changed`.
 */
export function describeEffect(change: Pick<Change, 'effect' | 'requests'>): string | undefined {
  if (!change.effect || !change.requests) return undefined;
  const { total, changed } = change.requests;
  if (change.effect === 'none') return `no effective change: ${identicalRequests(total)}`;
  return total === 1 ? 'its 1 rendered request changed' : `${changed} of ${total} rendered requests changed`;
}

export function identicalRequests(total: number): string {
  return total === 1
    ? 'its 1 rendered request is byte-identical'
    : `every one of ${total} rendered requests is byte-identical`;
}

export function describeReason(reason: Reason): string {
  switch (reason.type) {
    case 'always':
      return 'always: true';
    case 'dependsOn':
      return `${reason.path} changed (dependsOn ${reason.pattern})`;
    case 'suite':
      return reason.old === null
        ? 'new suite'
        : `suite file or dataset changed ${versions(reason.old, reason.new)}`;
    case 'config':
      return `${reason.component.replace(/^config:/, '')} changed ${versions(reason.old, reason.new)}`;
    case 'component':
      return `${reason.kind} ${reason.component} changed ${versions(reason.old, reason.new)}`;
    case 'safety':
      return `safety suite: model ${reason.component} changed ${versions(reason.old, reason.new)}`;
  }
}

function versions(old: string | null, now: string | null): string {
  return `${old ?? '(none)'} → ${now ?? '(none)'}`;
}

function short(sha: string): string {
  return sha.slice(0, 7);
}
