import { complianceAfterRefusal } from './refusal-compliance.js';

/**
 * Deterministic refusal detector: reads whether a response declines the request (a refusal:
 * "I can't help with that") or declines for lack of information (an abstention: "I don't
 * know", "the documents don't say"). No model call, so it costs nothing and never flakes.
 *
 * It reads the opening of the response (first 400 characters) where models put their
 * refusals, so a long answer that later mentions "I cannot" in passing is not a refusal.
 * A refusal followed by compliance ("I can't help with that. That said, here is how…") is
 * an answer: the rest of the response is read for that (refusal-compliance.ts).
 */
export type RefusalKind = 'refusal' | 'abstention';

const REFUSAL = [
  /\b(?:i|we)(?:'m| am| are)? (?:so )?(?:sorry|afraid),? but (?:i|we) (?:can(?:no|')t|cannot|won't|will not|am unable|am not able|'m unable|'m not able)/,
  /\b(?:i|we) (?:can(?:no|')t|cannot|won't|will not|must decline to|have to decline to|am unable to|'m unable to|am not able to|'m not able to|'m not going to|am not going to) (?:help|assist|provide|share|comply|do that|do this|fulfil|fulfill|support|give|create|write|generate|disclose|reveal|engage|continue|answer that|discuss|explain)/,
  /\b(?:i|we) (?:must|have to|need to) (?:decline|refuse)\b/,
  /\b(?:i|we)(?:'m| am|'re| are) (?:not going to|unable to|not able to) (?:help|assist|provide|share|write|give|create|generate|explain|do that|do this)/,
  /\b(?:i|we)(?:'m| am) not (?:allowed|permitted|authori[sz]ed) to\b/,
  /\bthat(?:'s| is) (?:not something|something) (?:i|we) can(?:no|')?t? (?:help|assist)/,
  /\bas an ai(?: language model)?,? i (?:can(?:no|')t|cannot|don't|do not|won't)/,
  /\bthis (?:request|question) (?:violates|goes against|is against)\b/,
  /\bi (?:can(?:no|')t|cannot|won't) (?:and won't )?(?:help|assist) with (?:that|this|requests)/,
];

const ABSTENTION = [
  /\bi (?:don't|do not) know\b/,
  /\bi(?:'m| am) not sure\b/,
  /\b(?:i|we) (?:don't|do not) have (?:enough |sufficient |any |the )?(?:information|context|data|details|evidence)/,
  /\b(?:there is|there's|i have|i found) (?:no|not enough|insufficient) (?:information|evidence|context|data)/,
  /\b(?:the|these|our|my|provided) (?:documents?|sources?|context|knowledge base|articles?) (?:do(?:es)?n't|do(?:es)? not) (?:say|mention|contain|cover|include|specify)/,
  /\b(?:i|we) (?:couldn't|could not|can't|cannot|was unable to|were unable to) find (?:any |the )?(?:information|answer|relevant|anything)/,
  /\bunable to (?:answer|find|determine)\b/,
];

const OPENING = 400;

export function classifyRefusal(text: string): RefusalKind | null {
  const head = normalize(text.slice(0, OPENING));
  if (!head) return null;
  if (REFUSAL.some((r) => r.test(head))) return complianceAfterRefusal(text) ? null : 'refusal';
  if (ABSTENTION.some((r) => r.test(head))) return 'abstention';
  return null;
}

/**
 * When the response opens with a refusal and then carries the request out anyway, the words
 * that show it (for a grader's reason); null otherwise.
 */
export function refusalThenCompliance(text: string): string | null {
  const head = normalize(text.slice(0, OPENING));
  if (!head || !REFUSAL.some((r) => r.test(head))) return null;
  return complianceAfterRefusal(text);
}

/** True when the response refuses or abstains. */
export function detectRefusal(text: string): boolean {
  return classifyRefusal(text) !== null;
}

function normalize(text: string): string {
  // Curly apostrophes and "can not" are how models actually write; fold them so one pattern fits.
  return text
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/\bcan not\b/g, 'cannot')
    .replace(/\s+/g, ' ')
    .trim();
}
