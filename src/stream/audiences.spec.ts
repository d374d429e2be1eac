import { asLogged } from '../../test/support/stream-helpers';
import { DomainEvent, EventInput, EventType } from '../events/event-map';
import { AudienceMember, Audiences } from './audiences';

interface Member extends AudienceMember {
  name: string;
}

function member(name: string, organizationId: string, types: EventType[] | null): Member {
  return { name, caller: { organizationId }, selectedTypes: types && new Set(types) };
}

/** Only the routing fields matter here. */
const event = (type: EventType, organizationId: string | null): DomainEvent =>
  asLogged({ type, organizationId, data: {} } as unknown as EventInput);

function audienceOf(audiences: Audiences<Member>, e: DomainEvent): string[] {
  return audiences
    .groupsOf(e)
    .flatMap((group) => [...group].map((m) => m.name))
    .sort();
}

describe('Audiences', () => {
  const everything = member('everything', 'acme', null);
  const created = member('created', 'acme', ['memory.created']);
  const createdOrDeleted = member('createdOrDeleted', 'acme', ['memory.created', 'memory.deleted']);
  const health = member('health', 'acme', ['system.health']);
  const otherTenant = member('otherTenant', 'globex', null);

  let audiences: Audiences<Member>;
  beforeEach(() => {
    audiences = new Audiences<Member>();
    for (const m of [everything, created, createdOrDeleted, health, otherTenant]) audiences.add(m);
  });

  it("offers an organization's event to its streams that take every type or that type", () => {
    expect(audienceOf(audiences, event('memory.created', 'acme'))).toEqual([
      'created',
      'createdOrDeleted',
      'everything',
    ]);
    expect(audienceOf(audiences, event('memory.deleted', 'acme'))).toEqual([
      'createdOrDeleted',
      'everything',
    ]);
    expect(audienceOf(audiences, event('search.performed', 'acme'))).toEqual(['everything']);
  });

  it('offers a global event to the streams of every organization that may take it', () => {
    expect(audienceOf(audiences, event('system.health', null))).toEqual([
      'everything',
      'health',
      'otherTenant',
    ]);
  });

  it('offers nothing for an organization without streams', () => {
    expect(audienceOf(audiences, event('memory.created', 'initech'))).toEqual([]);
  });

  it('forgets removed streams and counts what is left per organization', () => {
    audiences.delete(createdOrDeleted);
    audiences.delete(otherTenant);
    expect(audienceOf(audiences, event('memory.deleted', 'acme'))).toEqual(['everything']);
    expect(audienceOf(audiences, event('system.health', null))).toEqual(['everything', 'health']);
    expect(audiences.sizeOf('acme')).toBe(3);
    expect(audiences.sizeOf('globex')).toBe(0);
  });
});
