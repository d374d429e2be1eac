import { findJsonProblem, MAX_JSON_DEPTH, MAX_JSON_VALUES, textProblem } from './json-rules';

/** `levels` arrays, each inside the last. */
function arrays(levels: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < levels; i += 1) value = [value];
  return value;
}

describe('json-rules', () => {
  describe('textProblem', () => {
    it.each(['', 'plain', '😀 𝕏 \u{10FFFF}', '\u200F\u202E\u2028\u2029', '\uFFFD\uFFFF\uFEFF'])(
      'accepts %j',
      (text) => expect(textProblem(text)).toBeNull(),
    );

    it.each([
      ['NUL', 'a\u0000b', /NUL/],
      ['a lone high surrogate', 'a\ud800b', /surrogate/],
      ['a lone low surrogate', '\udc00', /surrogate/],
      ['a high surrogate at the end', 'x\ud83d', /surrogate/],
      ['a reversed pair', '\ude00\ud83d', /surrogate/],
    ])('refuses %s', (_, text, reason) => expect(textProblem(text)).toMatch(reason));
  });

  describe('findJsonProblem', () => {
    it(`accepts ${MAX_JSON_DEPTH} levels and refuses one more, naming the top field`, () => {
      expect(findJsonProblem({ metadata: arrays(MAX_JSON_DEPTH - 1) })).toBeNull();
      expect(findJsonProblem({ metadata: arrays(MAX_JSON_DEPTH) })).toEqual({
        field: 'metadata',
        message: expect.stringMatching(/deeper than 32 levels/),
      });
    });

    it('walks a million levels without growing the stack', () => {
      expect(findJsonProblem({ deep: arrays(1_000_000) })?.field).toBe('deep');
    });

    it('reports the first problem in document order, with its path', () => {
      expect(findJsonProblem({ a: [1, { b: 'ok', c: '\u0000' }], d: '\ud800' })).toEqual({
        field: 'a[1].c',
        message: expect.stringMatching(/NUL/),
      });
    });

    it.each([Infinity, -Infinity, NaN, 2 ** 53, -(2 ** 53), 1e300])('refuses the number %d', (n) =>
      expect(findJsonProblem({ n })?.field).toBe('n'),
    );

    it.each([Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 0.1, 5e-324, 0])(
      'accepts the number %d',
      (n) => expect(findJsonProblem({ n })).toBeNull(),
    );

    it('refuses a key holding NUL, naming the object that holds it', () => {
      expect(findJsonProblem({ metadata: { 'k\u0000': 1 } })).toEqual({
        field: 'metadata',
        message: expect.stringMatching(/^keys must not contain the NUL/),
      });
    });

    it(`counts every value, and refuses more than ${MAX_JSON_VALUES}`, () => {
      const fits = { list: Array.from({ length: MAX_JSON_VALUES - 2 }, () => 0) };
      expect(findJsonProblem(fits)).toBeNull();
      const over = { list: Array.from({ length: MAX_JSON_VALUES - 1 }, () => 0) };
      expect(findJsonProblem(over)?.message).toMatch(/more than 10000 JSON values/);
    });
  });
});
