import { UsageError } from '../../config/errors.js';
import { suiteHasCase } from './case.js';
import type { CasePullRequestGitHub } from './github.js';

export interface CasePullRequestInput {
  /** The suite file's path in the repository, `/`-separated. */
  suitePath: string;
  caseId: string;
  /** The suite text with the case added, from the base branch's text; validates, or throws. */
  build: (baseText: string) => Promise<string>;
  title: string;
  body: string;
  /** Default: the repository's default branch. */
  base?: string;
}

export interface CasePullRequestOutcome {
  /** `opened` now, `exists` from an earlier run, `in-suite` when the base already has the case. */
  status: 'opened' | 'exists' | 'in-suite';
  branch: string;
  base: string;
  pull?: { number: number; url: string };
}

export function casePullRequestBranch(caseId: string): string {
  return `evalgate/incident-case/${caseId}`;
}

/**
 * The pull request adding an incident's regression case, through the Git Data API as the
 * baseline store writes (a blob in a tree on the base's tree, a commit on the base's tip, a
 * ref): no checkout, no git credentials. Idempotent: the branch is named by the case id, so a
 * re-run finds the open pull request (`exists`), or the branch an earlier run pushed, or the
 * case already merged (`in-suite`), and adds nothing twice. Two runs racing to create the
 * branch: the loser's ref is refused and it opens (or finds) the pull request on the
 * winner's branch.
 */
export async function openCasePullRequest(
  gh: CasePullRequestGitHub,
  input: CasePullRequestInput,
): Promise<CasePullRequestOutcome> {
  const branch = casePullRequestBranch(input.caseId);
  const base = input.base ?? (await gh.getDefaultBranch());
  const found = async (): Promise<CasePullRequestOutcome | undefined> => {
    const open = (await gh.listOpenPullRequests(branch))[0];
    return open && { status: 'exists', branch, base, pull: { number: open.number, url: open.htmlUrl } };
  };
  const already = await found();
  if (already) return already;

  const tip = await gh.getRef(`heads/${base}`);
  if (!tip)
    throw new UsageError(
      `the base branch '${base}' does not exist in ${gh.repository.owner}/${gh.repository.repo}`,
    );
  const tipCommit = await gh.getCommit(tip.sha);
  const baseText = await readFile(gh, tipCommit.treeSha, input.suitePath);
  if (baseText === undefined)
    throw new UsageError(
      `${input.suitePath} is not on '${base}': commit the suite before adding incident cases to it`,
    );
  if (suiteHasCase(baseText, input.caseId)) return { status: 'in-suite', branch, base };

  if (!(await gh.getRef(`heads/${branch}`))) {
    const text = await input.build(baseText);
    const tree = await gh.createTree([{ path: input.suitePath, content: text }], tipCommit.treeSha);
    const commit = await gh.createCommit({
      message: `${input.title}\n\nAdded by evalgate incident add-case.`,
      tree,
      parents: [tip.sha],
    });
    // A conflict is another run's branch with the same case: open the pull request on it.
    await gh.createRef(`refs/heads/${branch}`, commit);
  }
  try {
    const pull = await gh.createPullRequest({ title: input.title, body: input.body, head: branch, base });
    return { status: 'opened', branch, base, pull: { number: pull.number, url: pull.htmlUrl } };
  } catch (e) {
    const status = (e as { status?: unknown }).status;
    if (status === 422) {
      const other = await found();
      if (other) return other;
    }
    throw e;
  }
}

async function readFile(
  gh: CasePullRequestGitHub,
  treeSha: string,
  path: string,
): Promise<string | undefined> {
  const parts = path.split('/').filter(Boolean);
  let tree = treeSha;
  for (const [i, name] of parts.entries()) {
    const entry = (await gh.getTree(tree)).entries.find((e) => e.path === name);
    if (!entry) return undefined;
    if (i === parts.length - 1)
      return entry.type === 'blob' ? (await gh.getBlob(entry.sha)).toString('utf8') : undefined;
    if (entry.type !== 'tree') return undefined;
    tree = entry.sha;
  }
  return undefined;
}
