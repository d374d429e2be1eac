export const SCOPES = ['memories:read', 'memories:write', 'stream:read'] as const;

export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** Metadata key under which a route lists the scopes it requires. */
export const REQUIRED_SCOPES = 'mnemo:required-scopes';
