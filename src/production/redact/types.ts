/** One piece of text a detector found: `text.slice(start, end)` is the sensitive value. */
export interface Finding {
  /** The detector's kind (`email`, `card`, …) or a custom pattern's name. */
  kind: string;
  start: number;
  end: number;
}

/** Finds one kind of sensitive value in a text. Pure, no state between calls. */
export interface Detector {
  kind: string;
  find(text: string): Finding[];
}

/** Every match of a global regex, with a test on the match (and its surroundings) deciding whether it counts. */
export function matches(
  kind: string,
  text: string,
  re: RegExp,
  accept: (m: RegExpExecArray) => { start: number; end: number } | boolean = () => true,
): Finding[] {
  const out: Finding[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    const verdict = accept(m);
    if (verdict === true) out.push({ kind, start: m.index, end: m.index + m[0].length });
    else if (verdict) out.push({ kind, ...verdict });
  }
  return out;
}
