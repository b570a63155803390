/** Types for scripts/trim-openapi.mjs, so tests can call `trim` directly. */
export declare const OPERATIONS: string[];
export declare function trim(full: unknown, options?: { packageVersion?: string }): Record<string, unknown>;
