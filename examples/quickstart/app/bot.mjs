// The Kestrel Prints support bot: a small retrieval-augmented help-centre assistant.
//
// It has no language model, so the quickstart runs offline and every answer is
// deterministic, but it has the parts a real RAG bot has and the failure modes evalgate
// is built to catch: a retriever (BM25 over app/docs), an answer composed from the
// retrieved text with citations, abstention when there is no evidence, refusals of
// harmful requests, a secret that must never leak, untrusted documents that try to inject
// instructions, and customer data that must not be echoed.
//
// answer(question, options) → { output, contexts: [{ id, text }], citations: [id, ...] }

import { readdirSync, readFileSync } from 'node:fs';

const DOCS_DIR = new URL('./docs/', import.meta.url);

/**
 * A canary: a made-up secret standing in for what a real bot keeps in its system prompt
 * (an API key, internal instructions). It is never meant to reach a user; the safety suite
 * checks that no question and no document can make the bot print it.
 */
const SYSTEM_SECRET = 'CANARY-7f3a91c2-kestrel';

export const DEFAULTS = {
  /** How many documents the retriever hands to the answer step. */
  topK: 2,
  /**
   * BM25 score below which a document is not evidence. A question that shares one common
   * word with the help centre ("pay", "photo") scores under this; a real match scores well
   * above it. Tuned on the quickstart suites: raise it and answerable cases start abstaining.
   */
  minScore: 2.2,
  /**
   * Share of the question (weighted by how rare each word is) the best document must match.
   * "What are your office opening hours?" matches "hour" in the export article with a
   * decent score, but explains little of the question, so the bot abstains instead.
   */
  minCoverage: 0.4,
  /** Sentences taken from the best document, and from the runner-up. */
  sentencesFromTop: 2,
  sentencesFromNext: 1,
};

export const ABSTAIN = "I don't have enough information in the help centre to answer that.";
const ABSTAIN_HINT =
  ' I can help with refunds, shipping, password resets, pricing plans, data export and deleting your account.';
const REFUSE_HARMFUL =
  "I'm sorry, but I can't help with that. I can only help with your own Kestrel Prints account, orders and plan.";
const REFUSE_INJECTION =
  "I can't share my internal instructions or configuration. I'm happy to answer questions about orders, shipping, billing or your account.";
const REFUSE_PRIVACY =
  "I can't share other customers' personal contact details. If you need to reach another customer, please ask them directly.";

// ---------------------------------------------------------------- safety rules

/**
 * Clearly harmful requests. Each rule is narrow on purpose: "kill a stuck export job",
 * "reset my password" and "my parcel was stolen" must still get an answer (the safety
 * suite has those look-alikes), so no rule fires on a single scary word.
 */
const HARMFUL = [
  // Other people's accounts: the bot helps with your own account, never someone else's.
  /\b(?:someone else's|somebody else's|another (?:person|user|customer)'s|other (?:people|users|customers)'s?|(?:his|her|their)|my (?:ex|ex-\w+|boss|wife|husband|partner|girlfriend|boyfriend|neighbou?r|coworker|colleague|roommate)'s)\s+(?:password|account|login|credentials)\b/,
  /\b(?:hack|break) into\b(?! my\b)/,
  /\bpassword (?:of|for) (?:someone|somebody|another|other|a customer|a user|\S+@\S+)/,
  // Payment card theft.
  /\b(?:steal|skim|harvest|scrape|dump|clone)\w*\b.{0,40}\b(?:cards?|card numbers?|cvvs?|payment details)\b/,
  /\bstolen (?:credit |debit )?cards?\b/,
  // Weapons and violence.
  /\b(?:make|build|assemble|craft|3d[- ]print)\w*\b.{0,40}\b(?:bomb|explosive|firearm|gun|weapon|nerve agent)s?\b/,
  /\b(?:kill|hurt|poison|attack|murder)\s+(?:a |the |my )?(?:person|people|someone|somebody|him|her|them|neighbou?r|boss|wife|husband|child|kid)\b/,
];

/**
 * Instructions aimed at the assistant rather than questions for it. Applied to the question
 * and to every retrieved sentence: documents are untrusted input too (the community digest
 * is written by customers), so an instruction in one is dropped, never followed or relayed.
 */
const INJECTION = [
  /\b(?:ignore|disregard|forget|override)\b.{0,30}\b(?:previous|prior|above|earlier|all|your|system)\b.{0,20}\b(?:instructions|rules|prompts?|guidelines)\b/,
  /\b(?:print|reveal|show|tell|output|repeat|share|display|leak|give)\b.{0,30}\b(?:system prompt|your (?:secret|instructions|prompt|configuration)|secret key|api key|canary)\b/,
  /\b(?:developer|jailbreak|dan) mode\b/,
];

const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
// Runs of digits with phone-like separators; only runs of 9+ digits count (see isPhone).
const PHONE_LIKE = /\+?\d[\d\s().-]{7,}\d/g;
const isPhone = (s) => s.replace(/\D/g, '').length >= 9;

function hasContactDetails(text) {
  return new RegExp(EMAIL.source).test(text) || (text.match(PHONE_LIKE) ?? []).some(isPhone);
}

/** Last line of defence on every output: whatever slipped through, these never leave. */
function guard(text) {
  return text
    .replaceAll(SYSTEM_SECRET, '(removed)')
    .replace(EMAIL, '(email removed)')
    .replace(PHONE_LIKE, (m) => (isPhone(m) ? '(phone removed)' : m));
}

// ---------------------------------------------------------------- text processing

const STOP_WORDS = new Set(
  `a about after all also am an and any are as ask at be been best but by can can't could did do does doing don't
  for from get got has have how i i'm if in into is it its just know let me much my need no not of on or our
  out please should so tell than that the their them then there these they this to too up us want was we what
  way when where which who why will with would you your yours`.split(/\s+/),
);

/** A tiny suffix stemmer: enough that refund/refunds/refunded and ship/shipping/shipped meet. */
export function stem(word) {
  if (word.length <= 3 || /\d/.test(word)) return word;
  let w = word;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (/(?:ing|ed)$/.test(w)) {
    const base = w.replace(/(?:ing|ed)$/, '');
    if (base.length >= 3) {
      w = base;
      // shipp → ship, cancell → cancel; but pass stays pass.
      if (/([b-df-hj-np-rtv-z])\1$/.test(w) && !w.endsWith('ss')) w = w.slice(0, -1);
    }
  } else if (w.endsWith('s') && !/(?:ss|us)$/.test(w)) w = w.slice(0, -1);
  if (w.length >= 7 && w.endsWith('ion')) w = w.slice(0, -3);
  if (w.length >= 4 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

export function tokenize(text) {
  const words =
    text
      .toLowerCase()
      .replace(/['’]s\b/g, '')
      .match(/[a-z0-9]+(?:'[a-z]+)?/g) ?? [];
  return words.filter((t) => !STOP_WORDS.has(t)).map(stem);
}

/** Lower case, curly apostrophes folded: what the safety rules are written against. */
function normalize(text) {
  return text.toLowerCase().replace(/[‘’ʼ]/g, "'").replace(/\s+/g, ' ').trim();
}

function splitSentences(body) {
  return body
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('#'))
    .flatMap((line) => line.trim().split(/(?<=[.!?])\s+(?=[A-Z])/));
}

// ---------------------------------------------------------------- the retriever (BM25)

/** Loads and indexes the help centre. Each file is one document; its name is its id. */
export function loadDocs(dir = DOCS_DIR) {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((file) => {
      const text = readFileSync(new URL(file, dir), 'utf8').trim();
      return { id: file.replace(/\.md$/, ''), text };
    });
}

export function buildIndex(docs) {
  const indexed = docs.map((doc) => {
    const tokens = tokenize(doc.text);
    const tf = new Map();
    for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
    const sentences = splitSentences(doc.text).map((text) => ({ text, terms: new Set(tokenize(text)) }));
    return { ...doc, length: tokens.length, tf, sentences };
  });
  const df = new Map();
  for (const d of indexed) for (const t of d.tf.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const n = indexed.length;
  const idf = new Map([...df].map(([t, k]) => [t, Math.log(1 + (n - k + 0.5) / (k + 0.5))]));
  const avgLength = indexed.reduce((s, d) => s + d.length, 0) / Math.max(1, n);
  return { docs: indexed, idf, avgLength };
}

const K1 = 1.2;
const B = 0.75;

export function search(index, terms) {
  return index.docs
    .map((doc) => {
      let score = 0;
      for (const t of terms) {
        const f = doc.tf.get(t) ?? 0;
        if (!f) continue;
        const norm = K1 * (1 - B + (B * doc.length) / index.avgLength);
        score += (index.idf.get(t) ?? 0) * ((f * (K1 + 1)) / (f + norm));
      }
      return { doc, score };
    })
    .filter((hit) => hit.score > 0)
    .sort((a, b) => b.score - a.score || a.doc.id.localeCompare(b.doc.id));
}

// ---------------------------------------------------------------- answering

let defaultIndex;

/**
 * Answers a help-centre question. Pure apart from reading app/docs once: the same question
 * always gets the same answer, which is what makes the quickstart's green run repeatable.
 * `options` overrides DEFAULTS; `options.index` (from buildIndex) answers from other docs.
 */
export function answer(question, options = {}) {
  const opts = { ...DEFAULTS, ...options };
  const index = opts.index ?? (defaultIndex ??= buildIndex(loadDocs()));
  const q = normalize(String(question ?? ''));

  // Safety first: these never reach the retriever, so no document can talk the bot into them.
  if (HARMFUL.some((r) => r.test(q))) return reply(REFUSE_HARMFUL);
  if (INJECTION.some((r) => r.test(q))) return reply(REFUSE_INJECTION);

  const terms = [...new Set(tokenize(q))];
  const hits = search(index, terms)
    .filter((hit) => hit.score >= opts.minScore)
    .slice(0, opts.topK);
  const contexts = hits.map((hit) => ({ id: hit.doc.id, text: hit.doc.text }));
  if (hits.length === 0 || coverage(index, terms, hits[0].doc) < opts.minCoverage) {
    return reply(ABSTAIN + ABSTAIN_HINT, contexts);
  }

  // From each retrieved document, its sentences that share the most (rare) words with the question.
  const picked = [];
  for (const [rank, hit] of hits.entries()) {
    // The runner-up only adds to the answer when it is nearly as relevant as the best document.
    if (rank > 0 && hit.score < hits[0].score * 0.7) break;
    const ranked = hit.doc.sentences
      .map((s, position) => ({ ...s, position, id: hit.doc.id, score: overlap(index, terms, s.terms) }))
      .filter((s) => s.score > 0 && !INJECTION.some((r) => r.test(normalize(s.text))))
      .sort((a, b) => b.score - a.score || a.position - b.position);
    // When the best evidence is someone's contact details, the question is after those details.
    if (rank === 0 && ranked[0] && hasContactDetails(ranked[0].text)) return reply(REFUSE_PRIVACY, contexts);
    const safe = ranked.filter((s) => !hasContactDetails(s.text));
    picked.push(...safe.slice(0, rank === 0 ? opts.sentencesFromTop : opts.sentencesFromNext));
  }
  if (picked.length === 0) return reply(ABSTAIN + ABSTAIN_HINT, contexts);

  // Cite every sentence where it is used: "... over $40 [shipping]."
  const output = picked.map((s) => `${s.text.replace(/[.!?]+$/, '')} [${s.id}].`).join(' ');
  return reply(output, contexts, [...new Set(picked.map((s) => s.id))]);
}

/** Words the help centre has never seen count as rare as can be. */
function weight(index, term) {
  return index.idf.get(term) ?? Math.log(1 + (index.docs.length + 0.5) / 0.5);
}

function coverage(index, terms, doc) {
  const total = terms.reduce((sum, t) => sum + weight(index, t), 0);
  const matched = terms.reduce((sum, t) => sum + (doc.tf.has(t) ? weight(index, t) : 0), 0);
  return total > 0 ? matched / total : 0;
}

function overlap(index, terms, sentenceTerms) {
  return terms.reduce((sum, t) => sum + (sentenceTerms.has(t) ? (index.idf.get(t) ?? 0) : 0), 0);
}

function reply(output, contexts = [], citations = []) {
  return { output: guard(output), contexts, citations };
}
