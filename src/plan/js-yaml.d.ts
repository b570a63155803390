// js-yaml ships no types. The plan parses thousands of files per run and js-yaml does it
// several times faster than `yaml`, which the config loader keeps for its source positions.
declare module 'js-yaml' {
  export function load(text: string, options?: Record<string, unknown>): unknown;
  export function loadAll(text: string, iterator?: null, options?: Record<string, unknown>): unknown[];
}
