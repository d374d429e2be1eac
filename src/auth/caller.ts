import { Scope } from './scopes';

/** Who is calling: the API key's owner, resolved by the ApiKeyGuard. */
export interface Caller {
  keyId: string;
  organizationId: string;
  userId: string;
  scopes: readonly Scope[];
}
