import * as core from '@actions/core';
import { resolve } from 'node:path';
import { main } from '../cli/main.js';

/**
 * The Action entry. For now it composes the same CLI commands a contributor runs on a laptop,
 * so what the job does can be reproduced exactly with `evalgate run`; the PR bot (sticky
 * comment, check run, baselines) builds on this.
 */
export async function run(): Promise<void> {
  try {
    const cwd = resolve(
      process.env.GITHUB_WORKSPACE ?? process.cwd(),
      core.getInput('working-directory') || '.',
    );
    const config = core.getInput('config') || 'evalgate.yml';
    const out = resolve(cwd, 'evalgate-results.json');
    const suites = core
      .getInput('suites')
      .split(/[\s,]+/)
      .filter(Boolean);
    const argv = ['run', '--config', config, '--out', out, ...suites.flatMap((s) => ['--suite', s])];
    let stdout = '';
    const code = await main(argv, {
      stdout: (t) => {
        stdout += t;
        process.stdout.write(t);
      },
      stderr: (t) => process.stderr.write(t),
      cwd,
      env: process.env,
      isTTY: false,
    });
    core.setOutput('results-path', out);
    core.setOutput('verdict', code === 0 ? 'pass' : code === 1 ? 'fail' : 'error');
    core.setOutput('suites-run', suites.join(','));
    if (stdout.trim()) await core.summary.addRaw(stdout).write();
    if (code === 1) core.setFailed('a blocker case failed: see the summary table');
    else if (code !== 0) core.setFailed(`evalgate exited with code ${code}`);
  } catch (e) {
    core.setFailed((e as Error).message);
  }
}
