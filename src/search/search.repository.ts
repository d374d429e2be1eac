import { Inject, Injectable } from '@nestjs/common';
import { RawBuilder, Selectable, sql } from 'kysely';
import { DATABASE } from '../database/database.module';
import { Database, MemoriesTable } from '../database/database.types';
import { Memory, MemoryType } from '../memory/memory.types';
import { MetadataValue } from './search.dto';

/** bm25 weights of the indexed columns, in index order: title, content, tags. */
const WEIGHTS = sql`2.0, 1.0, 1.5`;

export interface SearchCriteria {
  /** An FTS5 query expression; only ever built from quoted terms, never from raw input. */
  match: string;
  memoryTypes?: MemoryType[];
  /** Every one of these tags. */
  tags?: string[];
  /** Top-level metadata keys that must hold exactly these values (and JSON types). */
  metadata?: Record<string, MetadataValue>;
  /** Lowest score to keep, in 0..1: a fraction of the best match's relevance. */
  minScore?: number;
  limit: number;
}

export interface SearchHit {
  memory: Memory;
  /**
   * In 0..1, rounded to 4 decimals: s / max(s), with s = -bm25 and the max taken over the matches
   * passing the filters (before minScore). The best match scores 1; when every match scores about
   * 0 (max(s) <= 1e-9), every match scores 1.
   */
  score: number;
}

export interface SearchPage {
  hits: SearchHit[];
  /** Every match passing the filters and minScore, before the limit. */
  total: number;
}

type HitRow = Selectable<MemoriesTable> & { s: number; relevance_score: number; total: number };

function toHit({ relevance_score, s: _s, total: _total, ...row }: HitRow): SearchHit {
  return {
    memory: {
      ...row,
      memory_type: row.memory_type as MemoryType,
      tags: JSON.parse(row.tags) as string[],
      metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    },
    score: relevance_score,
  };
}

/** json_extract reads booleans as 1/0, so the JSON type is checked too. */
function metadataEquals(key: string, value: MetadataValue): RawBuilder<unknown> {
  // The key is validated to hold no quote, so the quoted label addresses exactly that key.
  const path = `$."${key}"`;
  const type = sql`json_type(m.metadata, ${path})`;
  if (typeof value === 'boolean') return sql`${type} = ${value ? 'true' : 'false'}`;
  const types = typeof value === 'number' ? sql`('integer', 'real')` : sql`('text')`;
  return sql`(${type} in ${types} and json_extract(m.metadata, ${path}) = ${value})`;
}

@Injectable()
export class SearchRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /** Best match first, then newest. */
  async search(organizationId: string, criteria: SearchCriteria): Promise<SearchPage> {
    const conditions: RawBuilder<unknown>[] = [sql`m.organization_id = ${organizationId}`];
    if (criteria.memoryTypes?.length) {
      conditions.push(sql`m.memory_type in (${sql.join(criteria.memoryTypes)})`);
    }
    for (const tag of criteria.tags ?? []) {
      conditions.push(sql`m.id in (select memory_id from memory_tags where tag = ${tag})`);
    }
    for (const [key, value] of Object.entries(criteria.metadata ?? {})) {
      conditions.push(metadataEquals(key, value));
    }
    const threshold =
      criteria.minScore === undefined ? sql`` : sql`where relevance_score >= ${criteria.minScore}`;

    // bm25 is lower for better matches and never positive, so s = -bm25 is in 0..inf.
    // Scores are relative to the best match, not absolute: bm25 floors the IDF of a word found in
    // half the rows or more to 1e-6, so in a small corpus a perfect match scores about 0, and the
    // index is shared by every organization, so bm25's magnitudes depend on other tenants' data.
    const { rows } = await sql<HitRow>`
      with hits as (
        select rowid as doc, -bm25(memories_fts, ${WEIGHTS}) as s
        from memories_fts
        where memories_fts match ${criteria.match}
      ),
      scoped as (
        select m.*, hits.s as s
        from hits join memories m on m.rowid = hits.doc
        where ${sql.join(conditions, sql` and `)}
      ),
      scored as (
        select scoped.*,
          case when max(s) over () <= 1e-9 then 1.0 else round(s / max(s) over (), 4) end
            as relevance_score
        from scoped
      )
      select scored.*, count(*) over () as total
      from scored
      ${threshold}
      order by s desc, created_at desc, id desc
      limit ${criteria.limit}
    `.execute(this.db);
    return { hits: rows.map(toHit), total: rows[0]?.total ?? 0 };
  }
}
