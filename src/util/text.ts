/** The first non-blank line of a tool's output, trimmed: what an error message quotes. */
export function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? ''
  );
}
