/** Types for scripts/check-cycles.mjs, so tests can call its cycle finder directly. */
export declare function importSpecifiers(source: string): string[];
export declare function buildGraph(root: string): Map<string, string[]>;
export declare function stronglyConnected(graph: Map<string, string[]>): string[][];
export declare function findCycles(graph: Map<string, string[]>): { files: string[]; path: string[] }[];
