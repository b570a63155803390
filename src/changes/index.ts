export { GitChangeSource, runGit, type GitChangeSourceOptions } from './git.js';
export {
  GitHubChangeSource,
  octokitPullRequests,
  PULL_FILES_LIMIT,
  type GitHubChangeSourceOptions,
  type OctokitLike,
  type PullFile,
  type PullRef,
  type PullRequestFilesApi,
} from './github.js';
export {
  ChangeSourceError,
  type ChangedFile,
  type ChangeSource,
  type FileBlob,
  type FileStatus,
  type Revision,
  type Revisions,
} from './types.js';
