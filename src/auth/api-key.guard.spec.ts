import { ExecutionContext } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { AppContext, createAppContext } from '../../test/support/app-context';
import { ApiError } from '../common/api-error';
import { ApiKeyGuard, AuthenticatedRequest } from './api-key.guard';
import { ApiKeyService } from './api-key.service';
import { Authenticated } from './authenticated.decorator';

class MemoriesRoutes {
  @Authenticated('memories:read')
  list(): void {}

  @Authenticated('memories:write')
  create(): void {}

  @Authenticated()
  whoami(): void {}
}

@Authenticated('stream:read')
class StreamRoutes {
  open(): void {}
}

function contextFor(
  headers: Record<string, string>,
  routes: object,
  handler: (...args: never[]) => unknown,
): { context: ExecutionContext; request: AuthenticatedRequest } {
  const request = { headers, query: {} } as unknown as AuthenticatedRequest;
  const host = new ExecutionContextHost(
    [request, {}, () => undefined],
    routes.constructor as never,
    handler,
  );
  return { context: host, request };
}

/** The real guard, ApiKeyService and Reflector, wired by Nest over a real SQLite file. */
describe('ApiKeyGuard', () => {
  let context: AppContext;
  let keys: ApiKeyService;
  let guard: ApiKeyGuard;
  const routes = new MemoriesRoutes();

  beforeEach(async () => {
    context = await createAppContext();
    keys = context.module.get(ApiKeyService);
    guard = context.module.get(ApiKeyGuard);
  });
  afterEach(() => context?.close());

  /** The ApiError the guard throws; fails the test when it lets the request through. */
  async function refusal(context: ExecutionContext): Promise<ApiError> {
    const error = await guard.canActivate(context).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }

  it('lets a Bearer key through and puts its caller on the request', async () => {
    const created = await keys.create({ organizationId: 'acme', userId: 'alice' });
    const { context, request } = contextFor(
      { authorization: `Bearer ${created.key}` },
      routes,
      routes.list,
    );
    await expect(guard.canActivate(context)).resolves.toBe(true);
    expect(request.caller).toEqual({
      keyId: created.id,
      organizationId: 'acme',
      userId: 'alice',
      scopes: created.scopes,
    });
  });

  it('lets an X-API-Key key through', async () => {
    const created = await keys.create({ organizationId: 'acme', userId: 'alice' });
    const { context, request } = contextFor({ 'x-api-key': created.key }, routes, routes.list);
    await expect(guard.canActivate(context)).resolves.toBe(true);
    expect(request.caller?.userId).toBe('alice');
  });

  it('refuses a request without a key with 401 AUTH_ERROR naming both headers', async () => {
    const error = await refusal(contextFor({}, routes, routes.list).context);
    expect({ status: error.getStatus(), code: error.code }).toEqual({
      status: 401,
      code: 'AUTH_ERROR',
    });
    expect(error.message).toMatch(/Authorization: Bearer/);
    expect(error.message).toMatch(/X-API-Key/);
  });

  it('refuses an Authorization header in another scheme with 401', async () => {
    const created = await keys.create({ organizationId: 'acme', userId: 'alice' });
    const { context } = contextFor({ authorization: `Token ${created.key}` }, routes, routes.list);
    const error = await refusal(context);
    expect({ status: error.getStatus(), code: error.code }).toEqual({
      status: 401,
      code: 'AUTH_ERROR',
    });
  });

  it('refuses an unknown key with 401 and leaves no caller on the request', async () => {
    const { context, request } = contextFor(
      { 'x-api-key': `mnemo_0123456789abcdef_${'a'.repeat(43)}` },
      routes,
      routes.list,
    );
    expect((await refusal(context)).getStatus()).toBe(401);
    expect(request.caller).toBeUndefined();
  });

  it('refuses a revoked key with 401', async () => {
    const created = await keys.create({ organizationId: 'acme', userId: 'alice' });
    await keys.revoke(created.id);
    const { context } = contextFor({ authorization: `Bearer ${created.key}` }, routes, routes.list);
    expect((await refusal(context)).code).toBe('AUTH_ERROR');
  });

  it("refuses a key lacking the handler's scope with 403 FORBIDDEN naming it", async () => {
    const created = await keys.create({
      organizationId: 'acme',
      userId: 'alice',
      scopes: ['memories:read'],
    });
    const { context, request } = contextFor(
      { authorization: `Bearer ${created.key}` },
      routes,
      routes.create,
    );
    const error = await refusal(context);
    expect({ status: error.getStatus(), code: error.code }).toEqual({
      status: 403,
      code: 'FORBIDDEN',
    });
    expect(error.message).toContain('memories:write');
    expect(request.caller).toBeUndefined();
  });

  it('enforces scopes declared on the class', async () => {
    const stream = new StreamRoutes();
    const reader = await keys.create({
      organizationId: 'acme',
      userId: 'alice',
      scopes: ['memories:read'],
    });
    const streamer = await keys.create({
      organizationId: 'acme',
      userId: 'alice',
      scopes: ['stream:read'],
    });
    const refused = contextFor({ 'x-api-key': reader.key }, stream, stream.open).context;
    expect((await refusal(refused)).message).toContain('stream:read');
    const allowed = contextFor({ 'x-api-key': streamer.key }, stream, stream.open).context;
    await expect(guard.canActivate(allowed)).resolves.toBe(true);
  });

  it('lets any valid key through a route that requires no scope', async () => {
    const created = await keys.create({
      organizationId: 'acme',
      userId: 'alice',
      scopes: ['stream:read'],
    });
    const { context } = contextFor({ 'x-api-key': created.key }, routes, routes.whoami);
    await expect(guard.canActivate(context)).resolves.toBe(true);
  });
});
