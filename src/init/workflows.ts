/**
 * The workflows `evalgate init` writes. They are the README's "GitHub Action" section, word for
 * word: test/init/readme-workflows.test.ts extracts the README's YAML blocks that start with
 * `# .github/workflows/` and compares them with these, so the documentation and what init
 * writes cannot drift apart. Edit both together.
 *
 * `evalgate.yml` is the pull-request workflow and the baseline-on-push workflow in one (its
 * `push` trigger saves the baselines); `evalgate-report.yml` publishes the verdict of pull
 * requests from forks, whose own run has no write token.
 */
export interface WorkflowTemplate {
  /** Path from the repository root. */
  path: string;
  /** What it is for, as init lists it. */
  purpose: string;
  content: string;
}

export const PR_WORKFLOW: WorkflowTemplate = {
  path: '.github/workflows/evalgate.yml',
  purpose: 'pull requests: plan, run, compare, comment and check; pushes to main: save the baselines',
  content: `# .github/workflows/evalgate.yml — pull requests from this repository, and pushes to main
name: evalgate
on:
  pull_request:
  push:
    branches: [main]
permissions:
  contents: write # push: save baselines to the evalgate-baselines branch (read is enough for PRs)
  pull-requests: write # the sticky comment
  checks: write # the check run
jobs:
  evalgate:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0 # the plan diffs against the PR's base
      - uses: evalgate/evalgate@v0
        with:
          config: evalgate.yml
        env:
          OPENAI_API_KEY: \${{ secrets.OPENAI_API_KEY }}
`,
};

export const FORK_REPORT_WORKFLOW: WorkflowTemplate = {
  path: '.github/workflows/evalgate-report.yml',
  purpose: 'pull requests from forks: publish the verdict of their read-only run',
  content: `# .github/workflows/evalgate-report.yml
name: evalgate report
on:
  workflow_run:
    workflows: [evalgate]
    types: [completed]
permissions:
  pull-requests: write
  checks: write
  actions: read
jobs:
  report:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/download-artifact@v4
        with:
          run-id: \${{ github.event.workflow_run.id }}
          github-token: \${{ github.token }}
      - uses: evalgate/evalgate@v0
        with:
          mode: report
`,
};

export const WORKFLOWS: readonly WorkflowTemplate[] = [PR_WORKFLOW, FORK_REPORT_WORKFLOW];
