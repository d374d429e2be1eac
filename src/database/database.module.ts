import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Database } from './database.types';
import { dialectOf } from './dialect';
import { openDatabase } from './open-database';

export const DATABASE = Symbol('DATABASE');
/** Which engine DATABASE is, for the few queries that differ (full-text search, row locks). */
export const DATABASE_DIALECT = Symbol('DATABASE_DIALECT');

@Global()
@Module({
  providers: [
    {
      provide: DATABASE,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => openDatabase(config.databaseUrl),
    },
    {
      provide: DATABASE_DIALECT,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => dialectOf(config.databaseUrl),
    },
  ],
  exports: [DATABASE, DATABASE_DIALECT],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async onApplicationShutdown(): Promise<void> {
    await this.db.destroy();
  }
}
