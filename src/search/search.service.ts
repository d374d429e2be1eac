import { HttpStatus, Injectable } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { Caller } from '../auth/caller';
import { ApiError } from '../common/api-error';
import { EventLog } from '../events/event-log';
import { SearchMemoriesDto } from './search.dto';
import { SearchPage, SearchRepository } from './search.repository';
import { searchTerms } from './search-terms';

export interface SearchResult extends SearchPage {
  /** Milliseconds, one decimal. */
  searchTimeMs: number;
  /** The event id at which the results hold. */
  position: string;
}

/** Ranked full-text search within the caller's organization; each search publishes one event. */
@Injectable()
export class SearchService {
  constructor(
    private readonly memories: SearchRepository,
    private readonly log: EventLog,
  ) {}

  async run(caller: Caller, input: SearchMemoriesDto): Promise<SearchResult> {
    const terms = searchTerms(input.query);
    if (terms.length === 0) {
      throw new ApiError(
        HttpStatus.BAD_REQUEST,
        'VALIDATION_ERROR',
        'query must contain at least one word (letters or digits); ' +
          'operators and punctuation are ignored',
      );
    }
    const started = performance.now();
    const { result: page, position } = await this.log.snapshot((db) =>
      this.memories.search(
        caller.organizationId,
        {
          terms,
          memoryTypes: input.memory_types,
          tags: input.tags,
          metadata: input.filters,
          minScore: input.threshold,
          limit: input.limit,
        },
        db,
      ),
    );
    const searchTimeMs = Math.round((performance.now() - started) * 10) / 10;
    // The answer does not wait for its event: the event is written with the next batch.
    void this.log.publish({
      type: 'search.performed',
      organizationId: caller.organizationId,
      data: {
        query: input.query,
        results_count: page.hits.length,
        execution_time: searchTimeMs,
        user_id: caller.userId,
        timestamp: new Date().toISOString(),
        filters: echoedFilters(input),
      },
    });
    return { ...page, searchTimeMs, position };
  }
}

/**
 * The event's `filters`, one flat object as in the spec's example: the metadata filters as given,
 * plus `memory_types`, `tags` and `threshold` when the request set them (these win over a metadata
 * key of the same name).
 */
function echoedFilters(input: SearchMemoriesDto): Record<string, unknown> {
  const { filters, memory_types, tags, threshold } = input;
  return {
    ...filters,
    ...(memory_types && { memory_types }),
    ...(tags && { tags }),
    ...(threshold !== undefined && { threshold }),
  };
}
