import { DomainEvent, GLOBAL_EVENT_TYPES } from '../events/event-map';
import { FilterValue, StreamOptions } from './stream-options';

/**
 * A string (every value of the bracket form is one) matches a scalar that reads the same as text:
 * "2" matches 2, "true" true and "null" null, so `filters[x]=null` and `filters={"x":null}` both
 * select a null field. Numbers, booleans and null from the JSON form match only themselves.
 */
function sameValue(actual: unknown, wanted: FilterValue): boolean {
  if (
    typeof wanted === 'string' &&
    (actual === null || ['string', 'number', 'boolean'].includes(typeof actual))
  ) {
    return String(actual) === wanted;
  }
  return actual === wanted;
}

/** A field of `data`, or else of `data.metadata`; a list matches when any element does. */
function fieldMatches(data: Record<string, unknown>, name: string, wanted: FilterValue): boolean {
  const metadata = data.metadata as Record<string, unknown> | undefined;
  const actual = Object.hasOwn(data, name)
    ? data[name]
    : metadata && Object.hasOwn(metadata, name)
      ? metadata[name]
      : undefined;
  if (actual === undefined) return false;
  return Array.isArray(actual)
    ? actual.some((item) => sameValue(item, wanted))
    : sameValue(actual, wanted);
}

/** Decides, cheaply and once per event and connection, whether the connection receives it. */
export class EventSelector {
  constructor(
    private readonly organizationId: string,
    private readonly options: Pick<StreamOptions, 'events' | 'filters'>,
  ) {}

  selects(event: DomainEvent): boolean {
    const tenantOk =
      event.organizationId === null
        ? GLOBAL_EVENT_TYPES.has(event.type)
        : event.organizationId === this.organizationId;
    if (!tenantOk) return false;
    if (this.options.events && !this.options.events.has(event.type)) return false;
    if (this.options.filters.length === 0) return true;
    const data = event.data as unknown as Record<string, unknown>;
    return this.options.filters.every(([name, wanted]) => fieldMatches(data, name, wanted));
  }
}
