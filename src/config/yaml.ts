import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { CORE_SCHEMA, load as loadJsYaml } from 'js-yaml';
import { ConfigError, formatField } from './errors.js';

/**
 * A parsed YAML (or JSON) document that can say where any field came from.
 *
 * We use the `yaml` package rather than js-yaml here because js-yaml keeps no source
 * positions for nodes, and every schema error must name its file, line and column.
 */
export interface PositionedDocument {
  file: string;
  value: unknown;
  /** Line and column (1-based) of the node at `path`, or of its nearest existing parent. */
  locate(path: readonly (string | number)[]): { line: number; column: number };
  error(path: readonly (string | number)[], message: string): ConfigError;
}

export function parseYaml(text: string, file: string): PositionedDocument {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  const first = doc.errors[0];
  if (first) {
    const pos = lineCounter.linePos(first.pos[0]);
    const reason = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(`invalid YAML: ${reason}`, { file, line: pos.line, column: pos.col });
  }
  const value = doc.toJS({ maxAliasCount: 1000 }) as unknown;

  const locate = (path: readonly (string | number)[]) => {
    let node: unknown = doc.contents;
    let found: unknown = node;
    for (const key of path) {
      if (isMap(node)) {
        const pair = node.items.find(
          (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key),
        );
        if (!pair) break;
        // Point at the key when the value is missing or null, else at the value.
        found = pair.value && (pair.value as Node).range ? pair.value : pair.key;
        node = pair.value;
      } else if (isSeq(node) && typeof key === 'number') {
        const item = node.items[key];
        if (!item) break;
        found = item;
        node = item;
      } else break;
    }
    const range = (found as Node | null)?.range;
    const pos = lineCounter.linePos(range ? range[0] : 0);
    return { line: pos.line, column: pos.col };
  };

  return {
    file,
    value,
    locate,
    error(path, message) {
      const { line, column } = locate(path);
      return new ConfigError(message, { file, line, column, field: formatField(path) || undefined });
    },
  };
}

/**
 * parseYaml's result, parsed with js-yaml (several times faster; change detection reads
 * thousands of files a run) and re-parsed with source positions only when something asks
 * where a field is, which happens only on the way to reporting an error.
 */
export function parseYamlFast(text: string, file: string): PositionedDocument {
  // Merge keys are outside js-yaml's core schema; the positioned parser handles them.
  if (/<<\s*:/.test(text)) return parseYaml(text, file);
  let value: unknown;
  try {
    // The core schema, as the positioned parser uses: `2024-01-01` stays a string, not a Date.
    value = loadJsYaml(text, { schema: CORE_SCHEMA });
  } catch {
    // Let the positioned parser report it (or accept what js-yaml would not).
    return parseYaml(text, file);
  }
  let full: PositionedDocument | undefined;
  const positioned = () => (full ??= parseYaml(text, file));
  return {
    file,
    value,
    locate: (path) => positioned().locate(path),
    error: (path, message) => positioned().error(path, message),
  };
}
