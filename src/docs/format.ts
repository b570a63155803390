import { escapeMarkdown, inlineCode } from '../report/escape.js';

// Small, shared pieces of the documents' Markdown. User text (ids, owners, descriptions,
// paths, tag values) goes through src/report/escape.ts, always.

/** A share as a percentage, trailing zeros dropped: 0.05 → `5 %`. */
export function pct(rate: number): string {
  return `${+(rate * 100).toFixed(4)} %`;
}

/** A number as written in the config, without float noise. */
export function num(value: number): string {
  return String(+value.toPrecision(12));
}

export function plural(n: number, noun: string, many = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : many}`;
}

/** User text (an id, a path) as code, safe in a table cell too. */
export function code(text: string): string {
  return inlineCode(text, { table: true, maxLength: 500 });
}

/** User prose (a description, an owner) as inert Markdown. */
export function prose(text: string): string {
  return escapeMarkdown(text, { maxLength: 500 });
}

/** `a`, `a and b`, `a, b and c` (or `or`). */
export function listing(items: readonly string[], none = 'none', conjunction = 'and'): string {
  if (items.length === 0) return none;
  if (items.length === 1) return items[0]!;
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items.at(-1)!}`;
}

/** A GitHub-flavoured table; cells are already Markdown. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}
