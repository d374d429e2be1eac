import { Module } from '@nestjs/common';
import { DATABASE, DATABASE_DIALECT } from '../database/database.module';
import { Database } from '../database/database.types';
import { DatabaseDialect } from '../database/dialect';
import { PostgresSearchRepository } from './postgres-search.repository';
import { SearchController } from './search.controller';
import { SearchRepository } from './search.repository';
import { SearchService } from './search.service';
import { SqliteSearchRepository } from './sqlite-search.repository';

@Module({
  controllers: [SearchController],
  providers: [
    {
      provide: SearchRepository,
      inject: [DATABASE_DIALECT, DATABASE],
      useFactory: (dialect: DatabaseDialect, db: Database): SearchRepository =>
        dialect === 'sqlite' ? new SqliteSearchRepository(db) : new PostgresSearchRepository(db),
    },
    SearchService,
  ],
  exports: [SearchRepository],
})
export class SearchModule {}
