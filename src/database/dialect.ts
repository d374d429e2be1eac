/** The SQL engines the data layer speaks; chosen by DATABASE_URL. */
export type DatabaseDialect = 'sqlite' | 'postgres';

export function dialectOf(url: string): DatabaseDialect {
  return url.startsWith('sqlite:') ? 'sqlite' : 'postgres';
}
