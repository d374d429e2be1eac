import { RawBuilder, sql } from 'kysely';
import { Database } from '../database/database.types';
import { MemoryRow, toMemory } from '../memory/memory.row';
import { Memory, MemoryType } from '../memory/memory.types';
import { MetadataValue } from './search.dto';

export interface SearchCriteria {
  /** Words to look for (see searchTerms); matching more of them ranks higher. */
  terms: string[];
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

/** A row of a search query: the memory's columns, its score, and the count of every hit. */
export type HitRow = MemoryRow & { relevance_score: number | string; total: number | string };

/** Drivers return numerics as numbers or strings (PostgreSQL's numeric and bigint). */
export function toSearchPage(rows: HitRow[]): SearchPage {
  return {
    hits: rows.map(({ relevance_score, total: _total, ...row }) => ({
      memory: toMemory(row),
      score: Number(relevance_score),
    })),
    total: Number(rows[0]?.total ?? 0),
  };
}

/**
 * The conditions on `m` (memories) that every engine shares, plus its own metadata equality:
 * the organization, memory types, every tag, and each metadata filter.
 */
export function filterConditions(
  organizationId: string,
  criteria: SearchCriteria,
  metadataEquals: (key: string, value: MetadataValue) => RawBuilder<unknown>,
): RawBuilder<unknown>[] {
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
  return conditions;
}

/**
 * The CTE `page`: the best `limit` rows of `scored` (one row per match, with s, created_at, id and
 * relevance_score) above the threshold, each with the number of such matches.
 */
export function pageOfScored(criteria: SearchCriteria): RawBuilder<unknown> {
  const threshold =
    criteria.minScore === undefined ? sql`` : sql`where relevance_score >= ${criteria.minScore}`;
  return sql`page as (
    select scored.*, count(*) over () as total
    from scored
    ${threshold}
    order by s desc, created_at desc, id desc
    limit ${criteria.limit}
  )`;
}

/** Ranked full-text search over one organization's memories; one implementation per engine. */
export abstract class SearchRepository {
  /** Best match first, then newest; on `db` when given (a snapshot's transaction). */
  abstract search(
    organizationId: string,
    criteria: SearchCriteria,
    db?: Database,
  ): Promise<SearchPage>;
  /** Runs a query on the index itself, for health checks; throws when it does not answer. */
  abstract probe(): Promise<void>;
}
