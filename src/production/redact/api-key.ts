import { matches, type Detector } from './types.js';

/**
 * Secrets with a recognisable shape: provider API keys by their documented prefixes, and
 * any bearer token in an `Authorization: Bearer …` header or prose.
 *
 * - OpenAI `sk-…` (also `sk-proj-`, `sk-svcacct-`, `sk-admin-`; Anthropic's `sk-ant-` has the same shape)
 * - GitHub `ghp_ gho_ ghu_ ghs_ ghr_` tokens and fine-grained `github_pat_…`
 * - AWS access key ids `AKIA…` (and the temporary `ASIA…`): 4 + 16 upper-case alphanumerics
 * - Slack `xoxb- xoxp- xoxa- xoxo- xoxs- xoxr-` tokens and `xapp-` app tokens
 * - Google `AIza…`, GitLab `glpat-…`, Stripe `sk_live_…` / `rk_test_…`
 * - JSON Web Tokens (`eyJ….eyJ….…`), and `Bearer <token>` whatever the token looks like
 */
const KEY =
  /(?<![A-Za-z0-9_-])(?:sk-(?:proj-|svcacct-|admin-|ant-(?:api\d\d-)?)?[A-Za-z0-9_-]{20,}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,}|(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}|xox[abposr]-[A-Za-z0-9-]{10,}|xapp-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}|glpat-[A-Za-z0-9_-]{20,}|(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})(?![A-Za-z0-9_-])/g;
const BEARER = /\bBearer[ \t]+[A-Za-z0-9._~+/-]{8,}=*/gi;

export const apiKeyDetector: Detector = {
  kind: 'apiKey',
  find: (text) => [...matches('apiKey', text, KEY), ...matches('apiKey', text, BEARER)],
};
