import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  registerDecorator,
  ValidateIf,
  ValidationOptions,
} from 'class-validator';
import { MEMORY_LIMITS, MEMORY_TYPES, MemoryType } from '../memory/memory.types';

export const SEARCH_LIMITS = {
  queryLength: 1000,
  results: 100,
  filters: 20,
} as const;

/** Metadata keys a filter may name: they become a quoted JSON path, which has no escapes. */
export const METADATA_KEY = /^[A-Za-z0-9_.-]{1,64}$/;

/** null matches a key that holds JSON null, never an absent one (as on the stream). */
export type MetadataValue = string | number | boolean | null;

function isMetadataFilter(value: unknown): value is Record<string, MetadataValue> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return (
    entries.length <= SEARCH_LIMITS.filters &&
    entries.every(
      ([key, item]) =>
        METADATA_KEY.test(key) &&
        (item === null ||
          typeof item === 'string' ||
          typeof item === 'boolean' ||
          (typeof item === 'number' && Number.isFinite(item))),
    )
  );
}

/** An object of at most 20 metadata keys, each mapped to a string, number, boolean or null. */
function IsMetadataFilter(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isMetadataFilter',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message:
          `$property must map at most ${SEARCH_LIMITS.filters} metadata keys (1-64 letters, ` +
          'digits, "_", "." or "-") to a string, number, boolean or null',
        ...options,
      },
      validator: { validate: isMetadataFilter },
    });
}

/** Validates the field unless it is absent: unlike @IsOptional, null is refused, not let through. */
const IfGiven = (): PropertyDecorator => ValidateIf((_, value) => value !== undefined);

export class SearchMemoriesDto {
  @ApiProperty({
    maxLength: SEARCH_LIMITS.queryLength,
    description: 'Words to look for; operators and punctuation are ignored',
    example: 'user authentication',
  })
  @IsString()
  @MaxLength(SEARCH_LIMITS.queryLength)
  @Matches(/\S/, { message: 'query must not be blank' })
  query!: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: SEARCH_LIMITS.results, default: 20 })
  @IfGiven()
  @IsInt()
  @Min(1)
  @Max(SEARCH_LIMITS.results)
  limit = 20;

  @ApiPropertyOptional({
    enum: MEMORY_TYPES,
    isArray: true,
    description: 'Memories of any of these types',
  })
  @IfGiven()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @IsIn(MEMORY_TYPES, { each: true })
  memory_types?: MemoryType[];

  @ApiPropertyOptional({
    type: [String],
    maxItems: MEMORY_LIMITS.tags,
    description: 'Memories holding every tag given',
  })
  @IfGiven()
  @IsArray()
  @ArrayMaxSize(MEMORY_LIMITS.tags)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(MEMORY_LIMITS.tagLength, { each: true })
  tags?: string[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: {
      oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }],
      nullable: true,
    },
    description:
      'Metadata equality: every top-level key given must hold exactly that value (null: a key holding null)',
    example: { category: 'documentation' },
  })
  // class-transformer rebuilds nested objects and drops keys named like Object.prototype
  // members ("toString", "valueOf"), which would widen the search: keep the object as parsed.
  @Type(() => Object)
  @Transform(({ obj }: { obj: Record<string, unknown> }) => obj.filters)
  @IfGiven()
  @IsObject()
  @IsMetadataFilter()
  filters?: Record<string, MetadataValue>;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 1,
    description: "Lowest relevance_score to return: a fraction of the best match's relevance",
  })
  @IfGiven()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  threshold?: number;
}
