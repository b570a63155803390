import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { locateReports } from '../../src/action/artifact.js';
import { tempDir } from '../helpers/tmp.js';

const NAMES = ['evalgate-comparison.json', 'evalgate-pr.json'];

describe('locateReports: the layouts actions/download-artifact@v4 leaves', () => {
  let root: string;
  beforeEach(() => {
    root = tempDir('evalgate-artifact-');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const put = (folder: string, file = 'evalgate-comparison.json') => {
    mkdirSync(join(root, folder), { recursive: true });
    writeFileSync(join(root, folder, file), '{}');
  };

  it('takes the files in the directory itself (download with `name:` or `merge-multiple`)', () => {
    put('.');
    put('evalgate-evalgate-1');
    expect(locateReports(root, NAMES)).toEqual({ dir: root });
  });

  it("takes the one artifact folder holding evalgate files, ignoring the run's other artifacts", () => {
    put('coverage', 'lcov.info');
    put('evalgate-evalgate-1', 'evalgate-pr.json');
    expect(locateReports(root, NAMES)).toEqual({
      dir: join(root, 'evalgate-evalgate-1'),
      note: 'Reading the reports from the artifact folder evalgate-evalgate-1/.',
    });
  });

  it('picks among attempts of one job: the one the workflow run names, else the highest, and says so', () => {
    for (const a of [1, 2, 10]) put(`evalgate-evalgate-${a}`);
    expect(locateReports(root, NAMES, { runAttempt: 2 })).toEqual({
      dir: join(root, 'evalgate-evalgate-2'),
      note: 'Found the reports of 3 attempts (evalgate-evalgate-1/, evalgate-evalgate-10/, evalgate-evalgate-2/): using evalgate-evalgate-2/, the attempt the workflow run names (2).',
    });
    expect(locateReports(root, NAMES).dir).toBe(join(root, 'evalgate-evalgate-10'));
    expect(locateReports(root, NAMES, { runAttempt: 4 }).note).toMatch(
      /using evalgate-evalgate-10\/, the highest attempt \(10\); the workflow run names attempt 4, which left no reports/,
    );
  });

  it('refuses folders of different jobs, naming them', () => {
    put('evalgate-a-1');
    put('evalgate-b-1');
    expect(() => locateReports(root, NAMES)).toThrow(
      /found evalgate reports in 2 artifact folders that are not attempts of one job: evalgate-a-1\/, evalgate-b-1\/\. Download only the one to publish \(download-artifact's `name:`, e\.g\. `name: evalgate-a-1`\)/,
    );
  });

  it('says what it found when no folder holds evalgate files', () => {
    put('coverage', 'lcov.info');
    expect(() => locateReports(root, NAMES)).toThrow(
      /found no evalgate reports \(evalgate-comparison\.json, evalgate-pr\.json\) in .* nor in a folder directly under it \(its folders: coverage\/\): download the artifact/,
    );
    expect(() => locateReports(join(root, 'missing'), NAMES)).toThrow(/found no evalgate reports/);
  });
});
