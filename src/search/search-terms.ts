/** Runs of letters and digits (with their combining marks): what both engines' tokenizers keep. */
const WORD = /[\p{L}\p{N}\p{M}]+/gu;
const HAS_LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/**
 * The distinct words of a free-text query, first spelling kept, case ignored. Operators and
 * punctuation are dropped, so nothing the user types is ever read as query syntax.
 */
export function searchTerms(query: string): string[] {
  const words = new Map<string, string>();
  for (const [word] of query.matchAll(WORD)) {
    const key = word.toLowerCase();
    if (HAS_LETTER_OR_DIGIT.test(word) && !words.has(key)) words.set(key, word);
  }
  return [...words.values()];
}
