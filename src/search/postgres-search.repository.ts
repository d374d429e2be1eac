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

/** The indexed expression of migration 0002 (PostgreSQL); queries must use it verbatim. */
const VECTOR = sql`memory_search_vector(m.title, m.content, m.tags)`;

/**
 * A `\u0000` or a lone-surrogate escape (`\ud800`) outside an escaped backslash: JSON that jsonb
 * refuses. The API refuses such text now, but rows stored before stay.
 */
const UNREADABLE_ESCAPE = '(^|[^\\\\])(\\\\\\\\)*\\\\u(0000|[dD][89a-fA-F])';

/**
 * jsonb equality compares type and value, as the SQLite filter does. A document jsonb cannot read
 * matches no filter instead of failing every filtered search of its organization.
 */
function metadataEquals(key: string, value: MetadataValue): RawBuilder<unknown> {
  const metadata = sql`case when m.metadata !~ ${UNREADABLE_ESCAPE} then m.metadata::jsonb end`;
  return sql`(${metadata} -> ${key}) = ${JSON.stringify(value)}::jsonb`;
}

/** Any of the words: each parsed by plainto_tsquery, which reads its input as plain text. */
function anyOf(terms: string[]): RawBuilder<unknown> {
  return sql.join(
    terms.map((term) => sql`plainto_tsquery('mnemo_english', ${term})`),
    sql` || `,
  );
}

@Injectable()
export class PostgresSearchRepository extends SearchRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {
    super();
  }

  async search(
    organizationId: string,
    criteria: SearchCriteria,
    db: Database = this.db,
  ): Promise<SearchPage> {
    const conditions = filterConditions(organizationId, criteria, metadataEquals);

    // Normalized by the log of the document's length (flag 1), as bm25 weighs long documents
    // down; relative to the best match of this organization, as on SQLite (see there why).
    // Ranking carries only the columns it sorts by; full rows are read for the page alone.
    const { rows } = await sql<HitRow>`
      with query as (select ${anyOf(criteria.terms)} as q),
      hits as (
        select m.id, m.created_at, ts_rank_cd(${VECTOR}, query.q, 1) as s
        from memories m, query
        where ${VECTOR} @@ query.q and ${sql.join(conditions, sql` and `)}
      ),
      scored as (
        select hits.*,
          case when max(s) over () <= 1e-9 then 1.0
            else round((s / max(s) over ())::numeric, 4)::float8 end as relevance_score
        from hits
      ),
      ${pageOfScored(criteria)}
      select m.id, m.organization_id, m.title, m.content, m.memory_type, m.tags, m.metadata,
        m.created_at, m.created_by, m.updated_at, m.updated_by, page.relevance_score, page.total
      from page join memories m on m.id = page.id
      order by page.s desc, page.created_at desc, page.id desc
    `.execute(db);
    return toSearchPage(rows);
  }

  async probe(): Promise<void> {
    const probe = sql`select 1 from memories m where ${VECTOR} @@ plainto_tsquery('mnemo_english', 'health') limit 1`;
    await this.db.executeQuery(probe.compile(this.db));
  }
}
