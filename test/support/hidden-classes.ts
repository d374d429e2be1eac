import { setFlagsFromString } from 'node:v8';

// V8's own answers about hidden classes, as its test suites ask them: objects that share one are
// read by the same inline caches; one each costs a class and a property table per object.
setFlagsFromString('--allow-natives-syntax');

export const sameHiddenClass = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (
  a: object,
  b: object,
) => boolean;

export const hasFastProperties = new Function('o', 'return %HasFastProperties(o)') as (
  o: object,
) => boolean;
