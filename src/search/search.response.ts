import { ApiProperty } from '@nestjs/swagger';
import { MemoryResponse, toMemoryResponse } from '../memory/memory.response';
import { SearchResult } from './search.service';

export class SearchHitResponse extends MemoryResponse {
  @ApiProperty({
    minimum: 0,
    maximum: 1,
    description: "Fraction of the best match's relevance: the best scores 1; 4 decimals",
  })
  relevance_score!: number;
}

export class SearchResponse {
  @ApiProperty({ type: [SearchHitResponse], description: 'Best match first, then newest' })
  results!: SearchHitResponse[];
  @ApiProperty({ description: 'Every match passing the filters and threshold, before the limit' })
  total_results!: number;
  @ApiProperty({ example: 12.3 }) search_time_ms!: number;
  @ApiProperty({
    example: '1764720000000-42',
    description:
      'The event id at which these results hold: open a stream with last_event_id set to it',
  })
  stream_position!: string;
}

export function toSearchResponse(result: SearchResult): SearchResponse {
  return {
    results: result.hits.map(({ memory, score }) => ({
      ...toMemoryResponse(memory),
      relevance_score: score,
    })),
    total_results: result.total,
    search_time_ms: result.searchTimeMs,
    stream_position: result.position,
  };
}
