import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { MaxJsonSize } from '../common/max-json-size.validator';
import { KeepAsSent } from '../common/validation.pipe';
import { MEMORY_LIMITS, MEMORY_TYPES, MemoryType } from './memory.types';

const L = MEMORY_LIMITS;

/** May be left out, but not set to null: only the title can be cleared. */
const IsOptionalButNotNull = () => ValidateIf((_, value) => value !== undefined);

/**
 * A query value written as plain decimal digits, as a number; anything else ("1e3", "0x10", "1.5",
 * a value too long to be exact) stays text, for the integer rule to refuse in words.
 */
const toWholeNumber = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value;

const PAGE_RANGE = { message: `page must be a whole number from 1 to ${L.pages}` };
const LIMIT_RANGE = { message: `limit must be a whole number from 1 to ${L.pageSize}` };

const UNIQUE_TAGS = { message: 'tags must not list the same tag twice' };

/** `a,b` or repeated `x=a&x=b` in a query string, as one list. */
const toList = ({ value }: { value: unknown }): unknown =>
  (Array.isArray(value) ? value : [value])
    .flatMap((item) => (typeof item === 'string' ? item.split(',') : [item]))
    .map((item) => (typeof item === 'string' ? item.trim() : item))
    .filter((item) => item !== '');

export class CreateMemoryDto {
  @ApiPropertyOptional({ maxLength: L.titleLength, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(L.titleLength)
  title?: string | null;

  @ApiProperty({ maxLength: L.contentLength })
  @IsString()
  @IsNotEmpty()
  @MaxLength(L.contentLength)
  content!: string;

  @ApiPropertyOptional({ enum: MEMORY_TYPES, default: 'context' })
  @IsOptional()
  @IsIn(MEMORY_TYPES)
  memory_type?: MemoryType;

  @ApiPropertyOptional({ type: [String], maxItems: L.tags })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(L.tags)
  @ArrayUnique(UNIQUE_TAGS)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(L.tagLength, { each: true })
  tags?: string[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'At most 16 KiB as JSON',
  })
  @IsOptional()
  @KeepAsSent()
  @IsObject()
  @MaxJsonSize(L.metadataBytes)
  metadata?: Record<string, unknown>;
}

export class UpdateMemoryDto {
  @ApiPropertyOptional({ maxLength: L.titleLength, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(L.titleLength)
  title?: string | null;

  @ApiPropertyOptional({ maxLength: L.contentLength })
  @IsOptionalButNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(L.contentLength)
  content?: string;

  @ApiPropertyOptional({ enum: MEMORY_TYPES })
  @IsOptionalButNotNull()
  @IsIn(MEMORY_TYPES)
  memory_type?: MemoryType;

  @ApiPropertyOptional({ type: [String], maxItems: L.tags })
  @IsOptionalButNotNull()
  @IsArray()
  @ArrayMaxSize(L.tags)
  @ArrayUnique(UNIQUE_TAGS)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(L.tagLength, { each: true })
  tags?: string[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Replaces the metadata',
  })
  @IsOptionalButNotNull()
  @KeepAsSent()
  @IsObject()
  @MaxJsonSize(L.metadataBytes)
  metadata?: Record<string, unknown>;
}

export class ListMemoriesQuery {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: L.pages,
    description: 'Page number; not together with cursor',
  })
  @IsOptional()
  @Transform(toWholeNumber)
  @IsInt(PAGE_RANGE)
  @Min(1, PAGE_RANGE)
  @Max(L.pages, PAGE_RANGE)
  page?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: L.pageSize, default: 20 })
  @IsOptional()
  @Transform(toWholeNumber)
  @IsInt(LIMIT_RANGE)
  @Min(1, LIMIT_RANGE)
  @Max(L.pageSize, LIMIT_RANGE)
  limit = 20;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  cursor?: string;

  @ApiPropertyOptional({ enum: MEMORY_TYPES })
  @IsOptional()
  @IsIn(MEMORY_TYPES)
  memory_type?: MemoryType;

  @ApiPropertyOptional({
    type: [String],
    description: 'Memories holding every tag given (comma list or repeated)',
  })
  @IsOptional()
  @Transform(toList)
  @ArrayMaxSize(L.tags)
  @IsString({ each: true })
  @MaxLength(L.tagLength, { each: true })
  tags?: string[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  created_by?: string;
}

export class DeleteMemoryQuery {
  @ApiPropertyOptional({ default: 'user_request', pattern: '^[a-z][a-z0-9_]{0,63}$' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z][a-z0-9_]{0,63}$/, {
    message: 'reason must be 1-64 lowercase letters, digits or underscores, starting with a letter',
  })
  reason?: string;
}
