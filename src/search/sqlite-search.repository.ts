import { Inject, Injectable } from '@nestjs/common';
import { RawBuilder, sql } from 'kysely';
import { DATABASE } from '../database/database.module';
import { Database } from '../database/database.types';
import { MetadataValue } from './search.dto';
import {
  HitRow,
  SearchCriteria,
  SearchPage,
  SearchRepository,
  filterConditions,
  pageOfScored,
  toSearchPage,
} from './search.repository';

/** bm25 weights of the indexed columns, in index order: title, content, tags. */
const WEIGHTS = sql`2.0, 1.0, 1.5`;

/** An FTS5 expression that cannot be read as syntax: each word quoted (words hold no quote), ORed. */
export function toMatchExpression(terms: string[]): string {
  return terms.map((term) => `"${term}"`).join(' OR ');
}

/**
 * The metadata as SQLite's JSON functions can read it, or null: a document nested past their
 * 1,000 levels (stored before the API's limit of 32) then matches no filter instead of failing
 * every filtered search of its organization.
 */
const READABLE_METADATA = sql`case when json_valid(m.metadata) then m.metadata end`;

/** json_extract reads booleans as 1/0, so the JSON type is checked too. */
function metadataEquals(key: string, value: MetadataValue): RawBuilder<unknown> {
  // The key is validated to hold no quote, so the quoted label addresses exactly that key.
  const path = `$."${key}"`;
  const type = sql`json_type(${READABLE_METADATA}, ${path})`;
  if (value === null) return sql`${type} = 'null'`;
  if (typeof value === 'boolean') return sql`${type} = ${value ? 'true' : 'false'}`;
  const types = typeof value === 'number' ? sql`('integer', 'real')` : sql`('text')`;
  return sql`(${type} in ${types} and json_extract(${READABLE_METADATA}, ${path}) = ${value})`;
}

@Injectable()
export class SqliteSearchRepository extends SearchRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {
    super();
  }

  async search(
    organizationId: string,
    criteria: SearchCriteria,
    db: Database = this.db,
  ): Promise<SearchPage> {
    const conditions = filterConditions(organizationId, criteria, metadataEquals);

    // bm25 is lower for better matches and never positive, so s = -bm25 is in 0..inf.
    // Scores are relative to the best match, not absolute: bm25 floors the IDF of a word found in
    // half the rows or more to 1e-6, so in a small corpus a perfect match scores about 0, and the
    // index is shared by every organization, so bm25's magnitudes depend on other tenants' data.
    // Every match is ranked (the total and the best score need them all), so ranking carries only
    // the columns it sorts by; full rows are read for the page alone.
    const { rows } = await sql<HitRow>`
      with hits as (
        select rowid as doc, -bm25(memories_fts, ${WEIGHTS}) as s
        from memories_fts
        where memories_fts match ${toMatchExpression(criteria.terms)}
      ),
      scoped as (
        select hits.doc, hits.s, m.created_at, m.id
        from hits join memories m on m.rowid = hits.doc
        where ${sql.join(conditions, sql` and `)}
      ),
      scored as (
        select scoped.*,
          case when max(s) over () <= 1e-9 then 1.0 else round(s / max(s) over (), 4) end
            as relevance_score
        from scoped
      ),
      ${pageOfScored(criteria)}
      select m.*, page.relevance_score, page.total
      from page join memories m on m.rowid = page.doc
      order by page.s desc, page.created_at desc, page.id desc
    `.execute(db);
    return toSearchPage(rows);
  }

  async probe(): Promise<void> {
    await this.db.executeQuery(
      sql`select rowid from memories_fts where memories_fts match 'health' limit 1`.compile(
        this.db,
      ),
    );
  }
}
