// Lexical matching as people type: one normalisation for transcripts (in SQL, search_normalize() of migration 0007,
// stored in scenes.transcript_norm) and queries (here, the same rules), and the needles a query looks for in it.
//
// Korean is written with or without spaces, with particles and endings glued to words ("바닷가에서조개",
// "바닷가에서 조개를"), so Hangul is matched inside the transcript with its spaces removed, and a term that is not
// found whole is scored by the share of its character bigrams that are (the CJK-bigram approach of Lucene's
// CJKAnalyzer). Latin words keep word boundaries on both sides: a word is found whole or in one of its regular
// inflections ("car" finds "cars", not "scar" nor "cart"; "bake" finds "baking"), with a light suffix strip of the
// query's word and trigram shares for typos. Everything runs as strpos() on text columns, so PostgreSQL
// and the embedded PGlite give identical answers (no locale-dependent tokeniser, no extension behaviour).

/**
 * Characters that separate words, beyond whitespace: ASCII punctuation (NFKC has already folded full-width forms
 * onto it) and the CJK punctuation NFKC leaves alone. Must equal the list in migration 0007's search_normalize().
 */
export const SEPARATORS = `\t\n\r\f\v!"#$%&'()*+,-./:;<=>?@[\\]^_\`{|}~、。〈〉《》「」『』【】〔〕・·…‘’“”`;
const SEPARATOR_SET = new Set([...SEPARATORS]);

/**
 * Hangul as migration 0014 names it, by code point ranges (syllables, jamo, compatibility and extended jamo): where
 * a Latin letter or digit meets one of these, the normalised text has a space, so a Latin word glued to a Korean
 * particle ("iphone으로") still ends at a space. Must equal the ranges in search_normalize().
 */
const HANGUL_RANGE = '\uAC00-\uD7A3\u1100-\u11FF\u3130-\u318F\uA960-\uA97F\uD7B0-\uD7FF';
const LATIN_THEN_HANGUL = new RegExp(`([a-z0-9])([${HANGUL_RANGE}])`, 'g');
const HANGUL_THEN_LATIN = new RegExp(`([${HANGUL_RANGE}])([a-z0-9])`, 'g');
const HANGUL_CHAR = new RegExp(`[${HANGUL_RANGE}]`);

/**
 * NFKC (full-width Latin and digits, compatibility jamo, ligatures), lower case, separators as one space, and a
 * space where Latin letters or digits meet Hangul.
 */
export function normalizeForMatch(s: string): string {
  const folded = [...s.normalize('NFKC').toLowerCase()].map((c) => (SEPARATOR_SET.has(c) ? ' ' : c)).join('');
  const split = folded.replace(LATIN_THEN_HANGUL, '$1 $2').replace(HANGUL_THEN_LATIN, '$1 $2');
  // Only the space is trimmed, as btrim() does in SQL.
  return split.replace(/ {2,}/g, ' ').replace(/^ | $/g, '');
}

/** Whether flat position `i` of foldedIndex() starts (or, with `end`, follows the end of) a word. */
export function wordBoundary(index: { flat: string; from: number[]; to: number[] }, i: number): boolean {
  const { flat, from, to } = index;
  if (i <= 0 || i >= flat.length) return true;
  // Something was skipped between the two (a space, punctuation), or the script changes between Latin and Hangul.
  return to[i - 1] !== from[i] || HANGUL_CHAR.test(flat[i - 1]!) !== HANGUL_CHAR.test(flat[i]!);
}

/**
 * The text as matching sees it, space- and separator-free (`flat`), with where each of its UTF-16 units came from
 * in `text`: `from[i]`..`to[i]` is the source character's span. `to[i - 1] === from[i]` means nothing was skipped
 * between the two, i.e. flat position i is not at a word start.
 */
export function foldedIndex(text: string): { flat: string; from: number[]; to: number[] } {
  let flat = '';
  const from: number[] = [];
  const to: number[] = [];
  let i = 0;
  for (const c of text) {
    const end = i + c.length;
    const folded = c.normalize('NFKC').toLowerCase();
    for (const f of folded) {
      if (f === ' ' || SEPARATOR_SET.has(f)) continue;
      flat += f;
      for (let u = 0; u < f.length; u++) {
        from.push(i);
        to.push(end);
      }
    }
    i = end;
  }
  return { flat, from, to };
}

const HANGUL = /\p{Script=Hangul}/u;
const isHangul = (term: string) => HANGUL.test(term);

/**
 * Particles and the commonest endings that attach to a Korean word, longest first: stripped from a query term as a
 * second way to find it ("조개를" → "조개"). One is stripped, and only when two syllables are left.
 */
const PARTICLES = [
  '에서부터',
  '으로부터',
  '에서는',
  '에서도',
  '에게서',
  '으로는',
  '으로도',
  '이라고',
  '에서',
  '에게',
  '한테',
  '께서',
  '까지',
  '부터',
  '처럼',
  '보다',
  '하고',
  '이랑',
  '으로',
  '에는',
  '라고',
  '이나',
  '들이',
  '들을',
  '들은',
  '들의',
  '를',
  '을',
  '는',
  '은',
  '이',
  '가',
  '와',
  '과',
  '도',
  '로',
  '의',
  '에',
  '만',
  '랑',
  '들',
];

/** English words that carry no meaning on their own: weighed 0 unless the query has nothing else. */
const STOP_WORDS = new Set(
  'a an the of to in on at by for with from and or but is are was were be been it its this that these those as into'
    .concat(' over under up down out off i we you he she they me us him her them my our your their')
    .concat(
      ' near about after before while during when where what how there here very so just not no all some any',
    )
    .split(' '),
);

/** A light English suffix strip (plural, past, gerund), enough for "grilling" to find "grill". */
function stem(w: string): string | undefined {
  for (const [suffix, min] of [
    ['ing', 4],
    ['ies', 3],
    ['ed', 4],
    ['es', 4],
    ['s', 3],
  ] as const) {
    if (w.endsWith(suffix) && w.length - suffix.length >= min) {
      const base = w.slice(0, -suffix.length);
      // "running" → "run"; "grilling" keeps "grill" (English doubles l, s, f and z in the stem itself).
      return suffix === 'ing' && /([^lsfz])\1$/.test(base) ? base.slice(0, -1) : base;
    }
  }
  return undefined;
}

function strip(term: string): string | undefined {
  for (const p of PARTICLES)
    if (term.endsWith(p) && [...term].length - [...p].length >= 2) return term.slice(0, -p.length);
  return undefined;
}

const grams = (term: string, n: number): string[] => {
  const cs = [...term];
  if (cs.length <= n) return [];
  return [...new Set(cs.slice(0, cs.length - n + 1).map((_, i) => cs.slice(i, i + n).join('')))];
};

export interface QueryTerm {
  /** The term as normalised (a Hangul run, or a Latin/digit word). */
  term: string;
  hangul: boolean;
  /** 0 for stop words when the query has other terms. */
  weight: number;
  /** Found whole (1), or by its stripped form (stemmed, particle off). */
  exact: string[];
  /** Character n-grams (bigrams for Hangul, trigrams for Latin) for a partial match; empty for short terms. */
  grams: string[];
}

/** A term that matches nowhere whole must have at least this share of its n-grams in the transcript to count. */
export const GRAM_SHARE_FLOOR = 0.6;
/** What a partial (n-gram) match is worth at most, against 1 for a whole one. */
export const GRAM_WEIGHT = 0.8;
/** Terms per query: beyond this a query is a paragraph, and the rest adds cost, not evidence. */
const MAX_TERMS = 16;

/**
 * The terms of a normalised query: split on spaces, then where Hangul meets Latin or digits ("iphone으로" →
 * "iphone", "으로"); one-letter Latin words dropped, duplicates merged.
 */
export function matchTerms(normalised: string): QueryTerm[] {
  const words = normalised
    .split(' ')
    .flatMap((w) => w.match(/\p{Script=Hangul}+|[^\p{Script=Hangul}]+/gu) ?? [])
    .filter((w) => [...w].length > 1 || isHangul(w) || /\d/.test(w));
  const unique = [...new Set(words)].slice(0, MAX_TERMS);
  const onlyStop = unique.every((w) => STOP_WORDS.has(w));
  return unique.map((term) => {
    const hangul = isHangul(term);
    const alt = hangul ? strip(term) : stem(term);
    return {
      term,
      hangul,
      weight: STOP_WORDS.has(term) && !onlyStop ? 0 : 1,
      exact: alt ? [term, alt] : [term],
      grams: hangul ? grams(term, 2) : [...term].length >= 5 ? grams(term, 3) : [],
    };
  });
}

/**
 * The whole words a Latin word stands for in a transcript: itself and its regular English inflections (plural; past,
 * gerund and agent noun, with a final e dropped, y turned into i, and the final consonant of a one-syllable word
 * doubled after its one short vowel: stop → stopping, and so car → carring, never "caring"). Whole words only, so
 * "tax" never finds "taxi" nor "car" "career", as a bare prefix did. Irregular forms ("drove", "children") are the
 * text model's job. A word with digits stands for itself.
 */
export function wordForms(w: string): string[] {
  if (!/^[a-z]+$/.test(w)) return [w];
  const forms = [
    w,
    /(s|x|z|ch|sh|o)$/.test(w) ? `${w}es` : /[^aeiou]y$/.test(w) ? `${w.slice(0, -1)}ies` : `${w}s`,
  ];
  const verb = (stem: string, ends: string[]) => forms.push(...ends.map((e) => stem + e));
  if (w.endsWith('e')) {
    verb(w, ['d', 'r', 'rs']);
    if (w.length > 2) verb(w.slice(0, -1), ['ing']);
  } else if (/[^aeiou]y$/.test(w)) {
    verb(w, ['ing']);
    verb(w.slice(0, -1), ['ied', 'ier', 'iers']);
  } else {
    const cvc = /(^|[^aeiou])[aeiou][^aeiouwxy]$/.test(w);
    const oneSyllable = (w.match(/[aeiou]+/g) ?? []).length === 1;
    if (cvc) verb(w + w.at(-1), ['ing', 'ed', 'er', 'ers']);
    if (!(cvc && oneSyllable)) verb(w, ['ing', 'ed', 'er', 'ers']);
  }
  return [...new Set(forms)];
}

export const compact = (normalised: string) => normalised.replaceAll(' ', '');

/**
 * The normalised query without spaces, looked for as a phrase in the transcript without spaces, when it has Hangul
 * (Korean is what is typed with or without spaces); '' otherwise, as a Latin word inside a run of glued words
 * ("car" in "oscar") is no match.
 */
export const phraseOf = (normalised: string) => (isHangul(normalised) ? compact(normalised) : '');

/**
 * One row per thing to look for, as the lexical SQL takes them: which term it belongs to, the needle, where to
 * look (`true`: the space-free transcript, for Hangul; `false`: the spaced one at a word start, for Latin), what a
 * hit is worth (1 whole, 0.95 stripped; an n-gram, counted as a share: -2 the first, which must be found, -1 the
 * others), and the term's weight.
 */
/** What to mark in a snippet: the phrase (Korean typed without spaces), and each meaningful term's whole forms. */
export function markTerms(normalised: string): string[] {
  const phrase = phraseOf(normalised);
  const terms = matchTerms(normalised).filter((t) => t.weight > 0);
  return [
    ...(phrase ? [phrase] : []),
    ...terms.flatMap((t) => (t.hangul ? t.exact : t.exact.flatMap(wordForms))),
  ];
}

export interface Needles {
  term: number[];
  needle: string[];
  compact: boolean[];
  value: number[];
  weight: number[];
  /**
   * Looked for in every scene to find the candidates (the rest are only looked for in those): a Hangul term, the
   * first n-gram, and for a Latin word one word-start prefix all its forms share (value 0: it scores nothing).
   */
  probe: boolean[];
}

/** The longest start all the strings share ("parties", "party" → "part"). */
function sharedStart(words: string[]): string {
  let start = words[0] ?? '';
  for (const w of words) while (!w.startsWith(start)) start = start.slice(0, -1);
  return start;
}

export function needles(terms: readonly QueryTerm[]): Needles {
  const out: Needles = { term: [], needle: [], compact: [], value: [], weight: [], probe: [] };
  const push = (i: number, t: QueryTerm, needle: string, value: number, probe: boolean) => {
    out.term.push(i);
    out.needle.push(needle);
    out.compact.push(t.hangul);
    out.value.push(value);
    out.weight.push(t.weight);
    out.probe.push(probe);
  };
  for (const [i, t] of terms.entries()) {
    if (t.hangul) {
      for (const [j, e] of t.exact.entries()) push(i, t, e, j === 0 ? 1 : 0.95, true);
    } else {
      // A Latin word is found as a whole word, in one of its forms (the spaced text has a space at each end). The
      // forms are many, so candidates are found by the one word-start prefix they all share, and the forms are
      // looked for only in those.
      const forms = t.exact.map((e) => wordForms(e));
      push(i, t, ` ${sharedStart(forms.flat())}`, 0, true);
      for (const [j, fs] of forms.entries())
        for (const form of fs) push(i, t, ` ${form} `, j === 0 ? 1 : 0.95, false);
    }
    // The first n-gram anchors a partial match (-2): words change at their ends (Korean endings, English
    // suffixes), so a word whose start is missing is another word that ends alike ("잠들었다" is not "만들었다").
    for (const [j, g] of t.grams.entries()) push(i, t, g, j === 0 ? -2 : -1, j === 0);
  }
  return out;
}

/**
 * The lexical score of one transcript in TypeScript: the same arithmetic as the SQL (repository.lexical), for the
 * tests that hold the two together and for explaining a score. Weighted share of the query's terms found: whole
 * (1), stripped (0.95), or by n-grams (share × 0.8 when the share reaches the floor and the first n-gram is
 * among them); 1 when the whole query,
 * spaces removed, occurs in the transcript, spaces removed.
 */
export function lexicalScore(normalisedQuery: string, transcript: string): number {
  const norm = normalizeForMatch(transcript);
  const spaced = ` ${norm} `;
  const flat = compact(norm);
  const q = phraseOf(normalisedQuery);
  if ([...q].length >= 2 && flat.includes(q)) return 1;
  const terms = matchTerms(normalisedQuery);
  let sum = 0;
  let weights = 0;
  for (const t of terms) {
    const hay = t.hangul ? flat : spaced;
    const exact = Math.max(
      0,
      ...t.exact.map((e, j) => {
        const found = t.hangul ? hay.includes(e) : wordForms(e).some((form) => hay.includes(` ${form} `));
        return found ? (j === 0 ? 1 : 0.95) : 0;
      }),
    );
    const anchored = t.grams.length > 0 && hay.includes(t.grams[0]!);
    const share = anchored ? t.grams.filter((g) => hay.includes(g)).length / t.grams.length : 0;
    sum += t.weight * Math.max(exact, share >= GRAM_SHARE_FLOOR ? share * GRAM_WEIGHT : 0);
    weights += t.weight;
  }
  return weights > 0 ? sum / weights : 0;
}
