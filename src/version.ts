/** The evalgate version, injected at bundle time (and by vitest), recorded in every Results document. */
export const EVALGATE_VERSION: string =
  typeof __EVALGATE_VERSION__ === 'string' ? __EVALGATE_VERSION__ : '0.0.0-dev';
