/** The role the server's queries run as when DATABASE_APP_URL does not name one. */
export const DEFAULT_APP_ROLE = 'carsi_app';

export interface AppCredentials {
  role: string;
  password: string;
}

/** Same server and database as `url`, signed in as the application role. */
export function withCredentials(url: string, credentials: AppCredentials): string {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(credentials.role);
  parsed.password = encodeURIComponent(credentials.password);
  return parsed.toString();
}

export function credentialsOf(url: string): AppCredentials {
  const parsed = new URL(url);
  return { role: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
}

export function databaseNameOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

/** Same server, another database. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** For logs and messages: never print a password. */
export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
