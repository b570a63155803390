export {
  createGitHubClient,
  isLoopback,
  type GitHubClientOptions,
  type GitHubLog,
  type GitHubOctokit,
} from './client.js';
export * from './api.js';
export { describeGitHubError, type GitHubErrorDescription } from './errors.js';
