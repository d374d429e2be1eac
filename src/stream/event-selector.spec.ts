import { asLogged } from '../../test/support/stream-helpers';
import { DomainEvent, EventInput, EventType } from '../events/event-map';
import { EventSelector } from './event-selector';
import { FilterValue } from './stream-options';

let sequence = 0;
const event = (input: EventInput): DomainEvent => asLogged(input, (sequence += 1));

function memoryCreated(
  organizationId: string,
  metadata: Record<string, unknown> = {},
  overrides: Record<string, unknown> = {},
): DomainEvent {
  return event({
    type: 'memory.created',
    organizationId,
    data: {
      id: 'mem_0000000000000001',
      title: null,
      content: 'c',
      memory_type: 'context',
      metadata,
      tags: ['work', 'urgent'],
      created_at: '2030-01-01T00:00:00.000Z',
      created_by: 'alice',
      ...overrides,
    },
  } as EventInput);
}

function searchPerformed(organizationId: string): DomainEvent {
  return event({
    type: 'search.performed',
    organizationId,
    data: {
      query: 'q',
      results_count: 15,
      execution_time: 145.2,
      user_id: 'user123',
      timestamp: '2030-01-01T00:00:00.000Z',
      filters: {},
    },
  });
}

function systemHealth(): DomainEvent {
  return event({
    type: 'system.health',
    organizationId: null,
    data: {
      status: 'healthy',
      timestamp: '2030-01-01T00:00:00.000Z',
      metrics: { cpu_usage: 1, memory_usage: 1, response_time: 1, error_rate: 0 },
      services: { api: 'healthy' },
    },
  });
}

function selector(
  options: { events?: EventType[]; filters?: Array<[string, FilterValue]> } = {},
  organizationId = 'acme',
): EventSelector {
  return new EventSelector(organizationId, {
    events: options.events ? new Set(options.events) : null,
    filters: options.filters ?? [],
  });
}

describe('EventSelector', () => {
  describe('tenancy', () => {
    it("selects its own organization's events and never another's", () => {
      expect(selector().selects(memoryCreated('acme'))).toBe(true);
      expect(selector().selects(memoryCreated('globex'))).toBe(false);
      expect(selector().selects(searchPerformed('globex'))).toBe(false);
    });

    it('gives system.health, which has no organization, to every organization', () => {
      const health = systemHealth();
      expect(selector({}, 'acme').selects(health)).toBe(true);
      expect(selector({}, 'globex').selects(health)).toBe(true);
    });

    it('gives no other event without an organization to anyone', () => {
      const orphan = event({
        type: 'analytics.update',
        organizationId: null,
        data: {
          timestamp: '2030-01-01T00:00:00.000Z',
          window_seconds: 60,
          memories_total: 1,
          memories_created: 1,
          memories_updated: 0,
          memories_deleted: 0,
          searches: 0,
          average_search_time: null,
          active_connections: 1,
        },
      });
      expect(selector().selects(orphan)).toBe(false);
    });

    it("does not let a filter or a type list open another organization's events", () => {
      const theirs = memoryCreated('globex', { user_id: 'user123' });
      expect(
        selector({ events: ['memory.created'], filters: [['user_id', 'user123']] }).selects(theirs),
      ).toBe(false);
    });
  });

  describe('types', () => {
    it('selects every type when none are listed', () => {
      expect(selector().selects(memoryCreated('acme'))).toBe(true);
      expect(selector().selects(searchPerformed('acme'))).toBe(true);
    });

    it('selects only the listed types', () => {
      const only = selector({ events: ['search.performed', 'memory.deleted'] });
      expect(only.selects(searchPerformed('acme'))).toBe(true);
      expect(only.selects(memoryCreated('acme'))).toBe(false);
      expect(only.selects(systemHealth())).toBe(false);
    });
  });

  describe('filters', () => {
    it('matches a top-level field of data', () => {
      expect(selector({ filters: [['created_by', 'alice']] }).selects(memoryCreated('acme'))).toBe(
        true,
      );
      expect(selector({ filters: [['created_by', 'bob']] }).selects(memoryCreated('acme'))).toBe(
        false,
      );
    });

    it('matches a field of data.metadata', () => {
      const memory = memoryCreated('acme', { user_id: 'user123', category: 'note' });
      expect(selector({ filters: [['category', 'note']] }).selects(memory)).toBe(true);
      expect(selector({ filters: [['category', 'todo']] }).selects(memory)).toBe(false);
    });

    it('never matches a field the event does not have', () => {
      expect(selector({ filters: [['project', 'x']] }).selects(memoryCreated('acme'))).toBe(false);
      expect(selector({ filters: [['project', null]] }).selects(memoryCreated('acme'))).toBe(false);
    });

    it('requires every filter to match', () => {
      const memory = memoryCreated('acme', { user_id: 'user123', category: 'note' });
      const both = (category: string) =>
        selector({
          filters: [
            ['user_id', 'user123'],
            ['category', category],
          ],
        }).selects(memory);
      expect(both('note')).toBe(true);
      expect(both('todo')).toBe(false);
    });

    it('matches a list when any element matches', () => {
      const memory = memoryCreated('acme', { labels: ['a', 'b'] });
      expect(selector({ filters: [['tags', 'urgent']] }).selects(memory)).toBe(true);
      expect(selector({ filters: [['tags', 'later']] }).selects(memory)).toBe(false);
      expect(selector({ filters: [['labels', 'b']] }).selects(memory)).toBe(true);
    });

    it('matches a string filter (as every query string value is) against numbers and booleans', () => {
      const memory = memoryCreated('acme', { priority: 2, pinned: true, ratio: 0.5 });
      expect(selector({ filters: [['priority', '2']] }).selects(memory)).toBe(true);
      expect(selector({ filters: [['pinned', 'true']] }).selects(memory)).toBe(true);
      expect(selector({ filters: [['ratio', '0.5']] }).selects(memory)).toBe(true);
      expect(selector({ filters: [['priority', '3']] }).selects(memory)).toBe(false);
      expect(selector({ filters: [['pinned', 'false']] }).selects(memory)).toBe(false);
      expect(
        selector({ filters: [['results_count', '15']] }).selects(searchPerformed('acme')),
      ).toBe(true);
    });

    it('matches numbers, booleans and null from a JSON filter by value', () => {
      const memory = memoryCreated('acme', { priority: 2, pinned: false, owner: null });
      expect(selector({ filters: [['priority', 2]] }).selects(memory)).toBe(true);
      expect(selector({ filters: [['pinned', false]] }).selects(memory)).toBe(true);
      expect(selector({ filters: [['owner', null]] }).selects(memory)).toBe(true);
      expect(selector({ filters: [['priority', 3]] }).selects(memory)).toBe(false);
    });

    it('reads null as the text "null", so both filter forms select a null field', () => {
      const memory = memoryCreated('acme', { owner: null, reviewer: 'null', editor: 'nobody' });
      expect(selector({ filters: [['owner', 'null']] }).selects(memory)).toBe(true);
      expect(selector({ filters: [['owner', null]] }).selects(memory)).toBe(true);
      expect(selector({ filters: [['reviewer', 'null']] }).selects(memory)).toBe(true);
      expect(selector({ filters: [['reviewer', null]] }).selects(memory)).toBe(false);
      expect(selector({ filters: [['editor', 'null']] }).selects(memory)).toBe(false);
      expect(selector({ filters: [['editor', null]] }).selects(memory)).toBe(false);
    });

    it('never selects an absent field with null, in either form', () => {
      const memory = memoryCreated('acme', {});
      expect(selector({ filters: [['owner', 'null']] }).selects(memory)).toBe(false);
      expect(selector({ filters: [['owner', null]] }).selects(memory)).toBe(false);
    });

    it('does not turn objects into strings', () => {
      const memory = memoryCreated('acme', { nested: { a: 1 } });
      expect(selector({ filters: [['nested', '[object Object]']] }).selects(memory)).toBe(false);
    });

    it('does not reach into the prototype of data or metadata', () => {
      expect(selector({ filters: [['constructor', 'x']] }).selects(memoryCreated('acme'))).toBe(
        false,
      );
      expect(selector({ filters: [['toString', 'x']] }).selects(memoryCreated('acme'))).toBe(false);
    });

    it('applies to system.health too', () => {
      expect(selector({ filters: [['status', 'healthy']] }).selects(systemHealth())).toBe(true);
      expect(selector({ filters: [['status', 'degraded']] }).selects(systemHealth())).toBe(false);
    });
  });
});
