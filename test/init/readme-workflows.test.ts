import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WORKFLOWS } from '../../src/init/workflows.js';

/**
 * `evalgate init` writes the workflows the README's "GitHub Action" section shows, word for
 * word. Every YAML block in that section that starts with `# .github/workflows/NAME` is one workflow
 * file; this compares the two sets, so an edit to one side alone fails here.
 */
function readmeWorkflows(): Map<string, string> {
  const whole = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  // The "GitHub Action" section only: Production shows scheduled workflows init does not write.
  const start = whole.indexOf('\n## GitHub Action\n');
  const end = whole.indexOf('\n## ', start + 1);
  expect(start, 'README has a "## GitHub Action" section').toBeGreaterThan(-1);
  const readme = whole.slice(start, end === -1 ? undefined : end);
  const blocks = new Map<string, string>();
  for (const m of readme.matchAll(
    /^```yaml\n(# (\.github\/workflows\/[\w.-]+\.yml)\b[^\n]*\n[\s\S]*?)^```$/gm,
  ))
    blocks.set(m[2]!, m[1]!);
  return blocks;
}

describe('the workflows init writes', () => {
  it("are the README's GitHub Action workflows, exactly", () => {
    const readme = readmeWorkflows();
    expect([...readme.keys()].sort()).toEqual(WORKFLOWS.map((w) => w.path).sort());
    for (const w of WORKFLOWS) expect(w.content, w.path).toBe(readme.get(w.path));
  });

  it('name their own path on the first line', () => {
    for (const w of WORKFLOWS)
      expect(w.content.split('\n')[0]).toMatch(new RegExp(`^# ${w.path.replaceAll('.', '\\.')}\\b`));
  });
});
