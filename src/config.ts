import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type MailConfig, readMailConfig } from './config-mail.js';
import { DEFAULT_BOOTSTRAP_EMAIL } from './modules/identity/bootstrap.js';
import {
  brokenPasswordRule,
  emailLocalPart,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
} from './modules/identity/passwords.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  host: string;
  /** Where clients reach the server (links in emails, cookies' Secure flag); http://localhost:PORT unset. */
  publicUrl: string;
  /** Whether PUBLIC_URL was set: only then does the API document name the server's address. */
  publicUrlGiven: boolean;
  /** Owner connection (runs migrations). Unset: an embedded PostgreSQL is started. */
  databaseUrl: string | undefined;
  /** Connection the server's queries use: a role without BYPASSRLS. Derived from databaseUrl when unset. */
  databaseAppUrl: string | undefined;
  databaseReplicaUrl: string | undefined;
  databasePoolMax: number;
  redisUrl: string | undefined;
  dataDir: string;
  jwtSecret: string;
  /** Password of the application role when it is derived (not given by DATABASE_APP_URL). */
  appRolePassword: string;
  corsOrigins: string[];
  logLevel: LogLevel;
  defaultTenant: string;
  bodyLimit: number;
  rateLimitIpPerMin: number;
  rateLimitUserPerMin: number;
  rateLimitApiKeyPerMin: number;
  /** Per client IP, for sign-in, sign-up, password reset and second-factor routes. */
  rateLimitAuthPerMin: number;
  /** Earlier JWT secrets whose tokens are still accepted while a rotation completes. */
  jwtPreviousSecrets: string[];
  bootstrapAdminEmail: string | undefined;
  bootstrapAdminPassword: string | undefined;
  /** Which proxies' X-Forwarded-For to believe for the client address (rate limits, audit IPs). */
  trustProxy: boolean | number | string[];
  shutdownTimeoutMs: number;
  files: FilesConfig;
  metrics: MetricsConfig;
  /** Outgoing email over SMTP; null when SMTP_URL is unset (messages are kept in the outbox). */
  mail: MailConfig | null;
}

/** Who may read /metrics, and where: nobody unless a token or a separate listener is configured. */
export interface MetricsConfig {
  /** `Authorization: Bearer <token>` that /metrics asks for; null: none asked (separate listener only). */
  token: string | null;
  /** Port of a listener that serves only /metrics; null: none, /metrics is on PORT (with the token). */
  port: number | null;
  /** Where that listener listens: loopback unless set. */
  host: string;
}

/** Where uploaded files are kept, how large they may be, and how long signed links live. */
export interface FilesConfig {
  /** Local storage directory (used when no S3 bucket is configured). */
  dir: string;
  /** Uploads are received here before they are checked and stored. */
  tmpDir: string;
  /** S3-compatible object storage (AWS S3, MinIO, Cloudflare R2); null means local disk. */
  s3: S3Config | null;
  /** Largest accepted upload per purpose, in bytes. */
  maxBytes: { image: number; document: number; import: number };
  /** Lifetime of signed links to private files. */
  signedUrlTtlSeconds: number;
}

export interface S3Config {
  bucket: string;
  /** Base URL of the service, e.g. https://s3.eu-central-1.amazonaws.com or http://minio:9000. */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `<endpoint>/<bucket>/<key>` instead of `<bucket>.<endpoint host>/<key>` (MinIO needs it). */
  forcePathStyle: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const NODE_ENVS = ['development', 'production', 'test'] as const;
const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/** Reads every variable, collects every problem, and throws them all at once. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const read = new EnvReader(env, problems);

  const nodeEnv = read.oneOf('NODE_ENV', NODE_ENVS, 'development');
  const port = read.integer('PORT', 3000, 0, 65535);
  const host = read.string('HOST', '0.0.0.0');
  const givenPublicUrl = read.url('PUBLIC_URL', ['http:', 'https:']);
  const publicUrl = givenPublicUrl ?? `http://localhost:${port}`;
  const databaseUrl = read.url('DATABASE_URL', ['postgres:', 'postgresql:']);
  const databaseAppUrl = read.url('DATABASE_APP_URL', ['postgres:', 'postgresql:']);
  const databaseReplicaUrl = read.url('DATABASE_REPLICA_URL', ['postgres:', 'postgresql:']);
  const databasePoolMax = read.integer('DATABASE_POOL_MAX', 20, 1, 1000);
  const redisUrl = read.url('REDIS_URL', ['redis:', 'rediss:']);
  const dataDir = path.resolve(read.string('CARSI_DATA_DIR', '.carsi'));
  const corsOrigins = read.list('CORS_ORIGINS');
  for (const origin of corsOrigins) {
    if (origin !== '*' && !isHttpUrl(origin))
      problems.push(`CORS_ORIGINS: "${origin}" is not an http(s) origin`);
  }
  const logLevel = read.oneOf('LOG_LEVEL', LOG_LEVELS, nodeEnv === 'test' ? 'silent' : 'info');
  const defaultTenant = read.string('DEFAULT_TENANT', 'demo');
  if (!SLUG.test(defaultTenant)) problems.push('DEFAULT_TENANT: must be a slug (a-z, 0-9, hyphens)');
  const bodyLimit = read.integer('BODY_LIMIT', 1_048_576, 1024, 1_073_741_824);
  const rateLimitIpPerMin = read.integer('RATE_LIMIT_IP_PER_MIN', 1000, 1, 100_000_000);
  const rateLimitUserPerMin = read.integer('RATE_LIMIT_USER_PER_MIN', 100, 1, 100_000_000);
  const rateLimitApiKeyPerMin = read.integer('RATE_LIMIT_APIKEY_PER_MIN', 500, 1, 100_000_000);
  const rateLimitAuthPerMin = read.integer('RATE_LIMIT_AUTH_PER_MIN', 10, 1, 100_000_000);
  const jwtPreviousSecrets = read.list('JWT_PREVIOUS_SECRETS');
  const bootstrapAdminEmail = read.string('BOOTSTRAP_ADMIN_EMAIL', '') || undefined;
  if (bootstrapAdminEmail && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(bootstrapAdminEmail)) {
    problems.push('BOOTSTRAP_ADMIN_EMAIL: not an email address');
  }
  const bootstrapAdminPassword = read.string('BOOTSTRAP_ADMIN_PASSWORD', '') || undefined;
  if (bootstrapAdminPassword) {
    const problem = bootstrapPasswordProblem(bootstrapAdminPassword, bootstrapAdminEmail);
    if (problem) problems.push(`BOOTSTRAP_ADMIN_PASSWORD: ${problem}`);
  }
  const shutdownTimeoutMs = read.integer('SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000);
  const trustProxy = parseTrustProxy(read.string('TRUST_PROXY', 'false'), problems);
  const metrics = readMetricsConfig(env, read, port, problems);
  const files = readFilesConfig(read, dataDir, problems);
  const mail = readMailConfig(
    read.string('SMTP_URL', '') || undefined,
    read.string('MAIL_FROM', '') || undefined,
    problems,
  );

  let jwtSecret = read.string('JWT_SECRET', '');
  if (jwtSecret && jwtSecret.length < 32) problems.push('JWT_SECRET: must be at least 32 characters');
  if (!jwtSecret && nodeEnv === 'production') problems.push('JWT_SECRET: required when NODE_ENV=production');
  let appRolePassword = read.string('DATABASE_APP_PASSWORD', '');
  if (!databaseAppUrl && databaseUrl && !appRolePassword && nodeEnv === 'production') {
    problems.push(
      'DATABASE_APP_URL or DATABASE_APP_PASSWORD: required with DATABASE_URL when NODE_ENV=production',
    );
  }

  if (problems.length > 0) throw new ConfigError(problems);

  // Development conveniences: secrets generated once and kept with the data, so restarts keep sessions.
  // (In production both are required above whenever they are needed, so nothing is written there.)
  if (!jwtSecret || (!databaseAppUrl && !appRolePassword)) {
    const secrets = loadOrCreateSecrets(dataDir);
    jwtSecret ||= secrets.jwtSecret;
    appRolePassword ||= secrets.appRolePassword;
  }

  return {
    nodeEnv,
    port,
    host,
    publicUrl: publicUrl.replace(/\/$/, ''),
    publicUrlGiven: givenPublicUrl !== undefined,
    databaseUrl,
    databaseAppUrl,
    databaseReplicaUrl,
    databasePoolMax,
    redisUrl,
    dataDir,
    jwtSecret,
    appRolePassword,
    corsOrigins,
    logLevel,
    defaultTenant,
    bodyLimit,
    rateLimitIpPerMin,
    rateLimitUserPerMin,
    rateLimitApiKeyPerMin,
    rateLimitAuthPerMin,
    jwtPreviousSecrets,
    bootstrapAdminEmail,
    bootstrapAdminPassword,
    trustProxy,
    shutdownTimeoutMs,
    files,
    metrics,
    mail,
  };
}

const MEGABYTE = 1024 * 1024;
// Lower-case letters, digits, dots and hyphens, 3 to 63 characters: the rule S3 and R2 apply.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function readFilesConfig(read: EnvReader, dataDir: string, problems: string[]): FilesConfig {
  const dir = path.resolve(read.string('FILES_DIR', path.join(dataDir, 'files')));
  const maxBytes = {
    image: read.integer('FILES_MAX_IMAGE_BYTES', 10 * MEGABYTE, 1024, 1024 * MEGABYTE),
    document: read.integer('FILES_MAX_DOCUMENT_BYTES', 20 * MEGABYTE, 1024, 1024 * MEGABYTE),
    import: read.integer('FILES_MAX_IMPORT_BYTES', 20 * MEGABYTE, 1024, 1024 * MEGABYTE),
  };
  const signedUrlTtlSeconds = read.integer('FILES_SIGNED_URL_TTL_SECONDS', 300, 10, 7 * 24 * 3600);

  const bucket = read.string('S3_BUCKET', '');
  const endpoint = read.url('S3_ENDPOINT', ['http:', 'https:']);
  const region = read.string('S3_REGION', 'us-east-1');
  const accessKeyId = read.string('S3_ACCESS_KEY_ID', '');
  const secretAccessKey = read.string('S3_SECRET_ACCESS_KEY', '');
  const forcePathStyle = read.oneOf('S3_FORCE_PATH_STYLE', ['true', 'false'], 'false') === 'true';
  let s3: S3Config | null = null;
  if (bucket) {
    if (!BUCKET.test(bucket)) problems.push('S3_BUCKET: not a valid bucket name (a-z, 0-9, dots, hyphens)');
    if (!accessKeyId) problems.push('S3_ACCESS_KEY_ID: required with S3_BUCKET');
    if (!secretAccessKey) problems.push('S3_SECRET_ACCESS_KEY: required with S3_BUCKET');
    if (!/^[a-z0-9-]{1,40}$/.test(region))
      problems.push('S3_REGION: not a region name (e.g. eu-central-1, auto)');
    s3 = {
      bucket,
      endpoint: (endpoint ?? `https://s3.${region}.amazonaws.com`).replace(/\/+$/, ''),
      region,
      accessKeyId,
      secretAccessKey,
      forcePathStyle,
    };
  } else if (endpoint || accessKeyId || secretAccessKey) {
    // Credentials without a bucket would silently store files on local disk instead.
    problems.push('S3_BUCKET: required when other S3_ variables are set');
  }
  return { dir, tmpDir: path.join(dataDir, 'tmp', 'uploads'), s3, maxBytes, signedUrlTtlSeconds };
}

/**
 * The first administrators get the password, so it must keep the rules every password keeps; checked
 * here so the first start names the variable, among every other problem, instead of failing later.
 */
function bootstrapPasswordProblem(password: string, givenEmail: string | undefined): string | null {
  const email = givenEmail ?? DEFAULT_BOOTSTRAP_EMAIL;
  const emailVariable = givenEmail ? 'BOOTSTRAP_ADMIN_EMAIL' : 'the default BOOTSTRAP_ADMIN_EMAIL';
  switch (brokenPasswordRule(password, email)) {
    case null:
      return null;
    case 'too_short':
      return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
    case 'too_long':
      return `must be at most ${MAX_PASSWORD_LENGTH} characters`;
    case 'common':
      return 'is one of the 10,000 most common passwords; choose another';
    case 'contains_email':
      return (
        `must not contain "${emailLocalPart(email)}", the part of ${emailVariable} (${email}) before the @; ` +
        'choose another password or another email'
      );
  }
}

const MIN_METRICS_TOKEN = 16;

function readMetricsConfig(env: Env, read: EnvReader, apiPort: number, problems: string[]): MetricsConfig {
  const token = read.string('METRICS_TOKEN', '') || null;
  if (token !== null && token.length < MIN_METRICS_TOKEN) {
    problems.push(
      `METRICS_TOKEN: must be at least ${MIN_METRICS_TOKEN} characters (e.g. openssl rand -hex 32)`,
    );
  }
  const portGiven = (env['METRICS_PORT'] ?? '').trim() !== '';
  const port = portGiven ? read.integer('METRICS_PORT', 0, 0, 65535) : null;
  if (port !== null && port !== 0 && port === apiPort) {
    problems.push('METRICS_PORT: must differ from PORT (the metrics listener is a server of its own)');
  }
  const hostGiven = (env['METRICS_HOST'] ?? '').trim() !== '';
  // A host without a port would be silently ignored: metrics would stay off while one thinks them on.
  if (hostGiven && !portGiven) problems.push('METRICS_HOST: applies only with METRICS_PORT');
  return { token, port, host: read.string('METRICS_HOST', '127.0.0.1') };
}

/** `false` (default), `true` (any proxy), a hop count, or a comma-separated list of addresses/CIDRs. */
function parseTrustProxy(value: string, problems: string[]): boolean | number | string[] {
  if (value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0 || entries.some((entry) => !/^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(entry))) {
    problems.push('TRUST_PROXY: must be true, false, a hop count, or a list of IP addresses/CIDRs');
    return false;
  }
  return entries;
}

interface StoredSecrets {
  jwtSecret: string;
  appRolePassword: string;
}

function loadOrCreateSecrets(dataDir: string): StoredSecrets {
  const file = path.join(dataDir, 'secrets.json');
  const stored = readSecrets(file);
  if (stored) return stored;
  const generated: StoredSecrets = {
    jwtSecret: randomBytes(48).toString('base64url'),
    appRolePassword: randomBytes(24).toString('base64url'),
  };
  mkdirSync(dataDir, { recursive: true });
  try {
    // Exclusive create: of two processes starting at once, one writes and both use what it wrote.
    writeFileSync(file, `${JSON.stringify(generated, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    return generated;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return waitForSecrets(file);
  }
}

function readSecrets(file: string): StoredSecrets | undefined {
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<StoredSecrets>;
    if (stored.jwtSecret && stored.appRolePassword) {
      return { jwtSecret: stored.jwtSecret, appRolePassword: stored.appRolePassword };
    }
  } catch {
    // Missing, or being written by another process right now.
  }
  return undefined;
}

/** The other process created the file a moment ago; its content follows within milliseconds. */
function waitForSecrets(file: string): StoredSecrets {
  for (let attempt = 0; attempt < 200; attempt++) {
    const stored = readSecrets(file);
    if (stored) return stored;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  }
  throw new Error(`${file} exists but holds no secrets; remove it to have new ones generated`);
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

class EnvReader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  private raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === '' ? undefined : value;
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || parsed < min || parsed > max) {
      this.problems.push(`${name}: "${value}" is not a whole number from ${min} to ${max}`);
      return fallback;
    }
    return parsed;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      this.problems.push(`${name}: "${value}" is not one of ${allowed.join(', ')}`);
      return fallback;
    }
    return value as T;
  }

  url(name: string, protocols: string[]): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    try {
      const url = new URL(value);
      if (!protocols.includes(url.protocol)) {
        this.problems.push(`${name}: protocol must be ${protocols.join(' or ')}`);
        return undefined;
      }
      return value;
    } catch {
      this.problems.push(`${name}: not a valid URL`);
      return undefined;
    }
  }

  list(name: string): string[] {
    const value = this.raw(name);
    if (value === undefined) return [];
    return value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }
}
