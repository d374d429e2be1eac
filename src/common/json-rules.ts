/**
 * What every accepted JSON value must satisfy to be stored exactly on both databases and read back
 * identical: PostgreSQL's text and jsonb hold no NUL and no unpaired surrogate, SQLite's JSON
 * functions stop at 1,000 levels, and JavaScript's numbers are exact only up to 2^53 - 1.
 */

/** Objects and arrays inside one another, the body itself counting as one level. */
export const MAX_JSON_DEPTH = 32;

/**
 * Values of every kind (objects, arrays, strings, numbers...) in one body. The largest valid body
 * holds about 8,300 (16 KiB of metadata as `[0,0,...]` is 8,192); validating hundreds of
 * thousands would hold the event loop for seconds.
 */
export const MAX_JSON_VALUES = 10_000;

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

/** `metadata` for `metadata.a[2]`: the field a person wrote, when the full path is too long. */
function topField(field: string): string {
  return field.split(/[.[]/)[0];
}

function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent ? `${parent}.${key}` : key;
}

interface Pending {
  value: unknown;
  /** Null for the body itself. */
  parent: Pending | null;
  key: string | number;
  depth: number;
}

/** The path of a pending value, built only when it is reported. */
function pathOf(item: Pending): string {
  return item.parent === null ? '' : childPath(pathOf(item.parent), item.key);
}

function childValues(value: object): Array<[string | number, unknown]> {
  return Array.isArray(value) ? value.map((item, index) => [index, item]) : Object.entries(value);
}

/**
 * The first part of a parsed JSON value, in document order, that breaks a rule above. Iterative,
 * and stopping at the depth and count limits, so that a value nested thousands of levels deep
 * costs no stack and a huge one no time.
 */
export function findJsonProblem(root: unknown): JsonProblem | null {
  const pending: Pending[] = [{ value: root, parent: null, key: '', depth: 1 }];
  let counted = 1;
  while (pending.length > 0) {
    const item = pending.pop()!;
    const { value, depth } = item;
    let message: string | null = null;
    if (typeof value === 'string') message = textProblem(value);
    else if (typeof value === 'number') message = numberProblem(value);
    if (message) return { field: pathOf(item), message };
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_JSON_DEPTH) {
      return {
        field: topField(pathOf(item)),
        message: `nests deeper than ${MAX_JSON_DEPTH} levels of objects and arrays (the body counts as one)`,
      };
    }
    const size = Array.isArray(value) ? value.length : Object.keys(value).length;
    counted += size;
    if (counted > MAX_JSON_VALUES) {
      return {
        field: topField(pathOf(item)) || 'body',
        message: `holds more than ${MAX_JSON_VALUES} JSON values (objects, arrays, strings, numbers...) in all`,
      };
    }
    const children = childValues(value);
    for (const [key] of children) {
      const keyMessage = typeof key === 'string' ? textProblem(key) : null;
      if (keyMessage) return { field: pathOf(item) || 'body', message: `keys ${keyMessage}` };
    }
    for (let i = children.length - 1; i >= 0; i -= 1) {
      const [key, child] = children[i];
      pending.push({ value: child, parent: item, key, depth: depth + 1 });
    }
  }
  return null;
}
