import type { Baseline, BaselineListing } from '../types.js';

export function listingOf(baseline: Baseline, location: string): BaselineListing {
  return {
    suite: baseline.suite,
    location,
    ...(baseline.fingerprint.commit !== undefined && { commit: baseline.fingerprint.commit }),
    recordedAt: baseline.fingerprint.recordedAt,
    evalgateVersion: baseline.fingerprint.evalgateVersion,
    cases: baseline.fingerprint.suite.caseIds.length,
    privacy: baseline.privacy,
  };
}
