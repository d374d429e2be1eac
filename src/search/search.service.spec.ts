import { Test, TestingModule } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subscription } from 'rxjs';
import { Caller } from '../auth/caller';
import { ApiError } from '../common/api-error';
import { loadConfig } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { DATABASE, DatabaseModule } from '../database/database.module';
import { Database } from '../database/database.types';
import { EventFeed } from '../events/event-feed';
import { DomainEvent } from '../events/event-map';
import { EventsModule } from '../events/events.module';
import { MemoryRepository } from '../memory/memory.repository';
import { MetricsModule } from '../metrics/metrics.module';
import { RedisModule } from '../redis/redis.module';
import { SearchMemoriesDto } from './search.dto';
import { SearchRepository } from './search.repository';
import { SqliteSearchRepository } from './sqlite-search.repository';
import { searchTerms } from './search-terms';
import { SearchService } from './search.service';
import { waitUntil } from '../../test/support/waits';

describe('searchTerms', () => {
  it('splits the query into its words', () => {
    expect(searchTerms('user authentication')).toEqual(['user', 'authentication']);
  });

  it.each([
    ['AND', ['AND']],
    ['OR NOT', ['OR', 'NOT']],
    ['NEAR(a b, 2)', ['NEAR', 'a', 'b', '2']],
    ['col:term', ['col', 'term']],
    ['{title}: x', ['title', 'x']],
    ['"unbalanced', ['unbalanced']],
    ['x"y', ['x', 'y']],
    ['pre* ^start -minus +plus', ['pre', 'start', 'minus', 'plus']],
  ])('reads operators and punctuation in %j as plain words: %j', (query, expected) => {
    expect(searchTerms(query)).toEqual(expected);
  });

  it('keeps letters of every script, digits and combining marks inside their word', () => {
    expect(searchTerms('café 東京 हिन्दी e\u0301t\u00e9 v2 2024')).toEqual([
      'café',
      '東京',
      'हिन्दी',
      'e\u0301t\u00e9',
      'v2',
      '2024',
    ]);
  });

  it('keeps each word once, ignoring case', () => {
    expect(searchTerms('Deploy deploy DEPLOY notes')).toEqual(['Deploy', 'notes']);
  });

  it.each(['"', '*', '-', '()', '!!! ??? ...', '🙂🔥', '\u0301', '   '])(
    'finds no word in %j',
    (query) => {
      expect(searchTerms(query)).toEqual([]);
    },
  );
});

describe('SearchService', () => {
  const alice: Caller = {
    keyId: 'key_a',
    organizationId: 'acme',
    userId: 'alice',
    scopes: ['memories:read'],
  };
  let dir: string;
  let module: TestingModule;
  let service: SearchService;
  let subscription: Subscription;
  let events: DomainEvent[];

  const input = (fields: Partial<SearchMemoriesDto>): SearchMemoriesDto =>
    Object.assign(new SearchMemoriesDto(), fields);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mnemo-search-'));
    const config = loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'mnemo.db')}` });
    module = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(config),
        MetricsModule,
        DatabaseModule,
        RedisModule,
        EventsModule,
      ],
      providers: [
        MemoryRepository,
        {
          provide: SearchRepository,
          inject: [DATABASE],
          useFactory: (db: Database) => new SqliteSearchRepository(db),
        },
        SearchService,
      ],
    }).compile();
    service = module.get(SearchService);
    events = [];
    subscription = module.get(EventFeed).events$.subscribe((event) => events.push(event));
    const now = new Date().toISOString();
    await module.get(MemoryRepository).insert({
      id: 'mem_0000000000000001',
      organization_id: 'acme',
      title: 'Guide',
      content: 'documentation of the deploy',
      memory_type: 'knowledge',
      tags: ['ops'],
      metadata: { category: 'documentation' },
      created_at: now,
      created_by: 'alice',
      updated_at: now,
      updated_by: 'alice',
    });
  });
  afterEach(async () => {
    subscription.unsubscribe();
    await module.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes one search.performed for the organization with the search and its timing', async () => {
    const result = await service.run(
      alice,
      input({
        query: 'deploy guide',
        filters: { category: 'documentation' },
        memory_types: ['knowledge'],
        tags: ['ops'],
        threshold: 0,
      }),
    );
    expect(result.hits.map((hit) => hit.memory.id)).toEqual(['mem_0000000000000001']);
    await waitUntil(() => events.length > 0, 3000, 'the search.performed event');
    expect(events).toEqual([
      {
        type: 'search.performed',
        organizationId: 'acme',
        id: expect.any(String),
        position: expect.any(Number),
        publishedAt: expect.any(Number),
        size: expect.any(Number),
        data: {
          query: 'deploy guide',
          results_count: 1,
          execution_time: result.searchTimeMs,
          user_id: 'alice',
          timestamp: expect.any(String),
          filters: {
            category: 'documentation',
            memory_types: ['knowledge'],
            tags: ['ops'],
            threshold: 0,
          },
        },
      },
    ]);
    const data = events[0].data as { timestamp: string; execution_time: number };
    expect(new Date(data.timestamp).toISOString()).toBe(data.timestamp);
    expect(data.execution_time).toBeGreaterThanOrEqual(0);
    expect(Math.round(data.execution_time * 10) / 10).toBe(data.execution_time);
  });

  it('echoes empty filters when the request sets none', async () => {
    await service.run(alice, input({ query: 'nothing matches this' }));
    await waitUntil(() => events.length > 0, 3000, 'the search.performed event');
    expect(events.map((event) => event.data)).toEqual([
      expect.objectContaining({ results_count: 0, filters: {} }),
    ]);
  });

  it('refuses a query without a word with 400 VALIDATION_ERROR and publishes nothing', async () => {
    const error = await service.run(alice, input({ query: '"*" -' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect({ status: (error as ApiError).getStatus(), code: (error as ApiError).code }).toEqual({
      status: 400,
      code: 'VALIDATION_ERROR',
    });
    expect((error as ApiError).message).toMatch(/letters or digits/);
    // Events are written in order: once the next search's event is out, the refused one had none.
    await service.run(alice, input({ query: 'deploy' }));
    await waitUntil(() => events.length > 0, 3000, 'the search.performed event');
    expect(events.map((event) => event.data)).toEqual([
      expect.objectContaining({ query: 'deploy' }),
    ]);
  });
});
