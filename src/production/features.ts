/**
 * Derived features of an interaction's text: what a production record keeps instead of the
 * text itself.
 */

/**
 * A guess at the text's language, as an ISO 639-1 code, or `und` (undetermined).
 *
 * Two steps, both cheap enough for every request: the dominant script decides the
 * languages that have a script of their own (Chinese, Japanese, Korean, Russian/Cyrillic,
 * Arabic, Hebrew, Greek, Thai, Hindi/Devanagari); for Latin script, the language whose
 * commonest function words occur most often wins, when at least two of them occur. It is a
 * drift and coverage feature, so a steady guess matters more than a right one on every
 * short text; a text with too few words to tell is `und`.
 */
export function guessLanguage(text: string): string {
  const sample = text.slice(0, 2000);
  const counts = new Map<string, number>();
  for (const ch of sample) {
    const script = scriptOf(ch.codePointAt(0)!);
    if (script) counts.set(script, (counts.get(script) ?? 0) + 1);
  }
  let best: string | undefined;
  let bestCount = 0;
  for (const [script, n] of counts)
    if (n > bestCount) {
      best = script;
      bestCount = n;
    }
  if (!best) return 'und';
  if (best !== 'latin') {
    // Kana anywhere makes CJK text Japanese; Hangul is Korean.
    if (best === 'han' && counts.has('kana')) return 'ja';
    return SCRIPT_LANGUAGE[best] ?? 'und';
  }
  // Whole words only: the letters inside `fe80::a1e`, a key or a URL are not the article `a`.
  const words = sample
    .toLowerCase()
    .split(/\s+/)
    .map((t) => t.replace(/^\p{P}+|\p{P}+$/gu, ''))
    .filter((t) => /^[\p{L}'\u2019-]+$/u.test(t))
    // Contractions and compounds count by their parts: "can't" is "can" and "t", "ai-je" is "ai" and "je".
    .flatMap((t) => t.split(/['\u2019-]/));
  let language = 'und';
  let top = 1;
  for (const [code, set] of FUNCTION_WORDS) {
    let n = 0;
    for (const w of words) if (set.has(w)) n++;
    if (n > top) {
      language = code;
      top = n;
    }
  }
  return language;
}

const SCRIPT_LANGUAGE: Record<string, string> = {
  han: 'zh',
  kana: 'ja',
  hangul: 'ko',
  cyrillic: 'ru',
  arabic: 'ar',
  hebrew: 'he',
  greek: 'el',
  thai: 'th',
  devanagari: 'hi',
};

function scriptOf(cp: number): string | undefined {
  if ((cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || (cp >= 0xc0 && cp <= 0x24f)) return 'latin';
  if (cp >= 0x370 && cp <= 0x3ff) return 'greek';
  if (cp >= 0x400 && cp <= 0x4ff) return 'cyrillic';
  if (cp >= 0x590 && cp <= 0x5ff) return 'hebrew';
  if (cp >= 0x600 && cp <= 0x6ff) return 'arabic';
  if (cp >= 0x900 && cp <= 0x97f) return 'devanagari';
  if (cp >= 0xe00 && cp <= 0xe7f) return 'thai';
  if (cp >= 0x3040 && cp <= 0x30ff) return 'kana';
  if (cp >= 0xac00 && cp <= 0xd7af) return 'hangul';
  if (cp >= 0x4e00 && cp <= 0x9fff) return 'han';
  return undefined;
}

const FUNCTION_WORDS: [string, Set<string>][] = (
  [
    [
      'en',
      'the and is are was to of in that it for you with on this have not be what my can how i but your we do',
    ],
    ['es', 'el la los las es y de que en un una por para con no se mi qué cómo está son'],
    ['fr', 'le la les est et de des que en un une pour avec pas je vous ne sur ce mon'],
    ['de', 'der die das ist und zu den von mit nicht ich sie es ein eine für auf wie mein'],
    ['it', 'il la è e di che per non un una con sono mi come del della gli questo'],
    ['pt', 'o a os as é e de que em um uma para com não meu minha como está são do da'],
    ['nl', 'de het een is en van ik te dat niet je op met voor zijn wat mijn hoe'],
  ] as const
).map(([code, words]) => [code, new Set(words.split(' '))]);

/** Longest text the edit distance reads: O(n·m) time, so an essay does not stall a request. */
export const EDIT_DISTANCE_LIMIT = 4000;

/**
 * Levenshtein distance (insertions, deletions and substitutions, each cost 1) between the
 * answer given and the answer the user accepted, over Unicode code points, with two rows
 * of the dynamic programme (O(min(n, m)) memory). `ratio` = distance ÷ the longer length
 * (0 identical, 1 nothing in common). Texts longer than EDIT_DISTANCE_LIMIT code points are
 * compared on their first EDIT_DISTANCE_LIMIT, and `truncated` says so.
 */
export function editDistance(a: string, b: string): { chars: number; ratio: number; truncated?: true } {
  let x = Array.from(a);
  let y = Array.from(b);
  const truncated = x.length > EDIT_DISTANCE_LIMIT || y.length > EDIT_DISTANCE_LIMIT;
  x = x.slice(0, EDIT_DISTANCE_LIMIT);
  y = y.slice(0, EDIT_DISTANCE_LIMIT);
  if (x.length < y.length) [x, y] = [y, x];
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  let cur = new Array<number>(y.length + 1);
  for (let i = 1; i <= x.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= y.length; j++) {
      const sub = prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1);
      cur[j] = Math.min(sub, prev[j]! + 1, cur[j - 1]! + 1);
    }
    [prev, cur] = [cur, prev];
  }
  const chars = prev[y.length]!;
  const longest = Math.max(x.length, y.length);
  return {
    chars,
    ratio: longest === 0 ? 0 : chars / longest,
    ...(truncated && { truncated: true as const }),
  };
}
