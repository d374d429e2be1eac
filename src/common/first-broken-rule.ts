import type { ValidationError } from 'class-validator';

/**
 * The one message to give for a field: the first rule it breaks in the order the decorators are
 * written (the type before the bounds). class-validator runs a property's decorators bottom-up,
 * so that rule is the last constraint it reports.
 */
export function firstBrokenRule(error: ValidationError): string | undefined {
  const messages = Object.values(error.constraints ?? {});
  return messages[messages.length - 1];
}
