import { Caller } from '../auth/caller';
import { DomainEvent, EventType } from '../events/event-map';

/** What the index needs of a stream. */
export interface AudienceMember {
  readonly caller: Pick<Caller, 'organizationId'>;
  /** Null: every type. */
  readonly selectedTypes: ReadonlySet<EventType> | null;
}

/** The streams of one organization: those that take every type, and the others by type. */
class OrganizationAudience<T extends AudienceMember> {
  readonly everyType = new Set<T>();
  readonly byType = new Map<EventType, Set<T>>();
  size = 0;

  add(connection: T): void {
    this.size += 1;
    const types = connection.selectedTypes;
    if (!types) return void this.everyType.add(connection);
    for (const type of types) {
      const group = this.byType.get(type) ?? new Set();
      group.add(connection);
      this.byType.set(type, group);
    }
  }

  delete(connection: T): void {
    this.size -= 1;
    const types = connection.selectedTypes;
    if (!types) return void this.everyType.delete(connection);
    for (const type of types) {
      const group = this.byType.get(type);
      group?.delete(connection);
      if (group?.size === 0) this.byType.delete(type);
    }
  }

  groupsOf(type: EventType, into: ReadonlySet<T>[]): void {
    if (this.everyType.size > 0) into.push(this.everyType);
    const group = this.byType.get(type);
    if (group) into.push(group);
  }
}

/**
 * Open streams by organization and by the event types they asked for. An event is offered only
 * to the streams that may select it: when many streams of one organization each open, each
 * `stream.opened` would otherwise be offered to all the others, quadratic in their number.
 */
export class Audiences<T extends AudienceMember> {
  private readonly byOrganization = new Map<string, OrganizationAudience<T>>();

  add(connection: T): void {
    const organizationId = connection.caller.organizationId;
    let audience = this.byOrganization.get(organizationId);
    if (!audience) {
      audience = new OrganizationAudience<T>();
      this.byOrganization.set(organizationId, audience);
    }
    audience.add(connection);
  }

  delete(connection: T): void {
    const organizationId = connection.caller.organizationId;
    const audience = this.byOrganization.get(organizationId);
    if (!audience) return;
    audience.delete(connection);
    if (audience.size === 0) this.byOrganization.delete(organizationId);
  }

  sizeOf(organizationId: string): number {
    return this.byOrganization.get(organizationId)?.size ?? 0;
  }

  /**
   * The streams to offer `event` to, in disjoint groups: its organization's, or every
   * organization's for a global event.
   */
  groupsOf(event: DomainEvent): ReadonlySet<T>[] {
    const groups: ReadonlySet<T>[] = [];
    if (event.organizationId === null) {
      for (const audience of this.byOrganization.values()) audience.groupsOf(event.type, groups);
    } else {
      this.byOrganization.get(event.organizationId)?.groupsOf(event.type, groups);
    }
    return groups;
  }
}
