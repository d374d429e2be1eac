/**
 * What every accepted JSON value must satisfy to be stored exactly on both databases and read back
 * identical: PostgreSQL's text and jsonb hold no NUL and no unpaired surrogate, SQLite's JSON
 * functions stop at 1,000 levels, and JavaScript's numbers are exact only up to 2^53 - 1.
 */

/** Objects and arrays inside one another, the body itself counting as one level. */
export const MAX_JSON_DEPTH = 32;

const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a text cannot be stored as sent, or null when it can. */
export function textProblem(text: string): string | null {
  if (text.includes('\u0000')) return 'must not contain the NUL character (\\u0000)';
  if (UNPAIRED_SURROGATE.test(text)) {
    return 'must not contain an unpaired UTF-16 surrogate (\\uD800-\\uDFFF without its other half)';
  }
  return null;
}

function numberProblem(value: number): string | null {
  return Math.abs(value) <= Number.MAX_SAFE_INTEGER
    ? null
    : `must be a finite number from -${Number.MAX_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER} ` +
        '(2^53 - 1, the range kept exactly); send larger numbers as strings';
}

export interface JsonProblem {
  /** Where in the value: `metadata.a[2]`, or `` for the value itself. */
  field: string;
  message: string;
}

function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent ? `${parent}.${key}` : key;
}

/**
 * The first part of a parsed JSON value, in document order, that breaks a rule above. Iterative and
 * stopping at the depth limit, so that a value nested thousands of levels deep costs no stack.
 */
export function findJsonProblem(root: unknown): JsonProblem | null {
  const pending: Array<{ value: unknown; field: string; depth: number }> = [
    { value: root, field: '', depth: 1 },
  ];
  while (pending.length > 0) {
    const { value, field, depth } = pending.pop()!;
    let message: string | null = null;
    if (typeof value === 'string') message = textProblem(value);
    else if (typeof value === 'number') message = numberProblem(value);
    if (message) return { field, message };
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_JSON_DEPTH) {
      // The path down there is 33 names long; the field it starts from is what a person needs.
      return {
        field: field.split(/[.[]/)[0],
        message: `nests deeper than ${MAX_JSON_DEPTH} levels of objects and arrays (the body counts as one)`,
      };
    }
    const entries: Array<[string | number, unknown]> = Array.isArray(value)
      ? value.map((item, index) => [index, item])
      : Object.entries(value);
    for (const [key] of entries) {
      const keyMessage = typeof key === 'string' ? textProblem(key) : null;
      if (keyMessage) return { field: childPath(field, key), message: `its name ${keyMessage}` };
    }
    for (let i = entries.length - 1; i >= 0; i -= 1) {
      const [key, item] = entries[i];
      pending.push({ value: item, field: childPath(field, key), depth: depth + 1 });
    }
  }
  return null;
}
