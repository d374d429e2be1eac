export const SCOPES = ['memories:read', 'memories:write', 'stream:read'] as const;

export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** Metadata key under which a route lists the scopes it requires. */
export const REQUIRED_SCOPES = 'mnemo:required-scopes';

/** Metadata key of routes that also accept a stream ticket (`?ticket=`) in place of a key. */
export const ACCEPTS_TICKET = 'mnemo:accepts-ticket';
