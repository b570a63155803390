import { z } from 'zod';

/**
 * `baseline:` in evalgate.yml. Where the default branch's results are kept and how much of
 * the model's text they keep.
 *
 * - `store`: `git-branch` (a dedicated branch of this repository, written with git plumbing so
 *   the working tree is never touched), `path` (a folder in the repository, committed like
 *   any file), or `rerun` (keep nothing: evaluate the base ref again in a temporary worktree).
 * - `privacy`: `raw` keeps outputs as they were; `redacted` replaces e-mail addresses, phone
 *   numbers, card numbers and API-key-like tokens with `[REDACTED:kind]`; `hash` replaces
 *   every output text with its SHA-256, so equality can still be checked but nothing read.
 */
export const BaselineConfigSchema = z.strictObject({
  store: z.enum(['git-branch', 'path', 'rerun']).default('git-branch'),
  branch: z
    .string()
    .min(1)
    .regex(/^(?!\/|.*\/\/|.*\.\.|.*\.lock$)[A-Za-z0-9._/-]+$/, 'a valid git branch name')
    .default('evalgate-baselines'),
  path: z.string().min(1).default('.evalgate/baselines'),
  privacy: z.enum(['raw', 'redacted', 'hash']).default('redacted'),
  /** For `git-branch` with local git: the remote to fetch the branch from and push it to. */
  remote: z.string().min(1).optional(),
});
export type BaselineConfig = z.output<typeof BaselineConfigSchema>;
export type BaselineStoreKind = BaselineConfig['store'];
export type PrivacyMode = BaselineConfig['privacy'];
