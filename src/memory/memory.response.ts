import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ListMemoriesQuery } from './memory.dto';
import { MemoryPage } from './memory.repository';
import { encodeCursor } from './memory.cursor';
import { Memory, MEMORY_TYPES } from './memory.types';

export class MemoryResponse {
  @ApiProperty({ example: 'mem_1234567890abcdef' }) id!: string;
  @ApiProperty({ type: String, nullable: true }) title!: string | null;
  @ApiProperty() content!: string;
  @ApiProperty({ enum: MEMORY_TYPES }) memory_type!: string;
  @ApiProperty({ type: [String] }) tags!: string[];
  @ApiProperty({ type: 'object', additionalProperties: true }) metadata!: Record<string, unknown>;
  @ApiProperty() organization_id!: string;
  @ApiProperty() created_at!: string;
  @ApiProperty() created_by!: string;
  @ApiProperty() updated_at!: string;
  @ApiProperty() updated_by!: string;
}

export class PaginationResponse {
  @ApiProperty({ description: 'Memories matching the filters' }) total!: number;
  @ApiProperty() limit!: number;
  @ApiPropertyOptional({ type: Number, nullable: true, description: 'Null when paging by cursor' })
  page!: number | null;
  @ApiProperty() has_more!: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page' })
  next_cursor!: string | null;
}

export class MemoryListResponse {
  @ApiProperty({ type: [MemoryResponse] }) data!: MemoryResponse[];
  @ApiProperty() pagination!: PaginationResponse;
  @ApiProperty({
    example: '1764720000000-42',
    description:
      'The event id at which this list holds: open a stream with last_event_id set to it',
  })
  stream_position!: string;
}

export function toMemoryResponse(memory: Memory): MemoryResponse {
  const { id, title, content, memory_type, tags, metadata, organization_id } = memory;
  const { created_at, created_by, updated_at, updated_by } = memory;
  return {
    id,
    title,
    content,
    memory_type,
    tags,
    metadata,
    organization_id,
    created_at,
    created_by,
    updated_at,
    updated_by,
  };
}

export function toMemoryListResponse(
  page: MemoryPage,
  query: ListMemoriesQuery,
  streamPosition: string,
): MemoryListResponse {
  const last = page.items.at(-1);
  return {
    data: page.items.map(toMemoryResponse),
    pagination: {
      total: page.total,
      limit: query.limit,
      page: query.cursor === undefined ? (query.page ?? 1) : null,
      has_more: page.hasMore,
      next_cursor: page.hasMore && last ? encodeCursor(last) : null,
    },
    stream_position: streamPosition,
  };
}
