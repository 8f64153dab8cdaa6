import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  const dirs: string[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'carsi-config-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('uses defaults that start a development server', () => {
    const config = loadConfig({ CARSI_DATA_DIR: dataDir() });
    expect(config).toMatchObject({
      nodeEnv: 'development',
      port: 3000,
      host: '0.0.0.0',
      publicUrl: 'http://localhost:3000',
      databaseUrl: undefined,
      redisUrl: undefined,
      defaultTenant: 'demo',
      bodyLimit: 1_048_576,
      corsOrigins: [],
      logLevel: 'info',
    });
  });

  it('lists every bad variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://root@localhost/shop',
        REDIS_URL: 'not a url',
        LOG_LEVEL: 'loud',
        DEFAULT_TENANT: 'Not A Slug',
        BODY_LIMIT: '-5',
        CORS_ORIGINS: 'https://ok.example,ftp://bad.example',
        JWT_SECRET: 'short',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const names = (error as ConfigError).problems.map((p) => p.split(':')[0]);
    expect(names).toEqual([
      'PORT',
      'DATABASE_URL',
      'REDIS_URL',
      'CORS_ORIGINS',
      'LOG_LEVEL',
      'DEFAULT_TENANT',
      'BODY_LIMIT',
      'JWT_SECRET',
    ]);
    expect((error as ConfigError).message).toContain('PORT: "eighty" is not a whole number');
  });

  it('checks BOOTSTRAP_ADMIN_PASSWORD against the password rules, naming the variable', () => {
    const problemsOf = (env: Record<string, string>) => {
      try {
        loadConfig({ CARSI_DATA_DIR: dataDir(), ...env });
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    // The default email's local part is "admin".
    expect(problemsOf({ BOOTSTRAP_ADMIN_PASSWORD: 'Admin-Parola-2024!' })).toEqual([
      'BOOTSTRAP_ADMIN_PASSWORD: must not contain "admin", the part of the default BOOTSTRAP_ADMIN_EMAIL ' +
        '(admin@carsi.local) before the @; choose another password or another email',
    ]);
    expect(
      problemsOf({
        BOOTSTRAP_ADMIN_EMAIL: 'yonetim@ornek.com',
        BOOTSTRAP_ADMIN_PASSWORD: 'YONETİM-2024-parola',
      }),
    ).toEqual([
      'BOOTSTRAP_ADMIN_PASSWORD: must not contain "yonetim", the part of BOOTSTRAP_ADMIN_EMAIL ' +
        '(yonetim@ornek.com) before the @; choose another password or another email',
    ]);
    // Another email makes the same password fine.
    expect(
      problemsOf({ BOOTSTRAP_ADMIN_EMAIL: 'ops@ornek.com', BOOTSTRAP_ADMIN_PASSWORD: 'Admin-Parola-2024!' }),
    ).toEqual([]);
    expect(problemsOf({ BOOTSTRAP_ADMIN_PASSWORD: 'kisa' })).toEqual([
      'BOOTSTRAP_ADMIN_PASSWORD: must be at least 10 characters',
    ]);
    expect(problemsOf({ BOOTSTRAP_ADMIN_PASSWORD: 'x'.repeat(257) })).toEqual([
      'BOOTSTRAP_ADMIN_PASSWORD: must be at most 256 characters',
    ]);
    expect(problemsOf({ BOOTSTRAP_ADMIN_PASSWORD: 'qwertyuiop' })).toEqual([
      'BOOTSTRAP_ADMIN_PASSWORD: is one of the 10,000 most common passwords; choose another',
    ]);
    // Reported together with every other problem.
    expect(problemsOf({ BOOTSTRAP_ADMIN_PASSWORD: 'kisa', PORT: 'x' }).map((p) => p.split(':')[0])).toEqual([
      'PORT',
      'BOOTSTRAP_ADMIN_PASSWORD',
    ]);
  });

  it('reads who may scrape /metrics: off unless METRICS_TOKEN or METRICS_PORT, the listener on loopback', () => {
    expect(loadConfig({ CARSI_DATA_DIR: dataDir() }).metrics).toEqual({
      token: null,
      port: null,
      host: '127.0.0.1',
    });
    expect(
      loadConfig({
        CARSI_DATA_DIR: dataDir(),
        METRICS_TOKEN: 'a-long-enough-token',
        METRICS_PORT: '9464',
        METRICS_HOST: '10.0.0.5',
      }).metrics,
    ).toEqual({ token: 'a-long-enough-token', port: 9464, host: '10.0.0.5' });
    let error: unknown;
    try {
      loadConfig({ CARSI_DATA_DIR: dataDir(), METRICS_TOKEN: 'short', METRICS_PORT: '70000' });
    } catch (caught) {
      error = caught;
    }
    expect((error as ConfigError).problems).toEqual([
      'METRICS_TOKEN: must be at least 16 characters (e.g. openssl rand -hex 32)',
      'METRICS_PORT: "70000" is not a whole number from 0 to 65535',
    ]);
    expect(() => loadConfig({ CARSI_DATA_DIR: dataDir(), PORT: '3000', METRICS_PORT: '3000' })).toThrow(
      'METRICS_PORT: must differ from PORT',
    );
    expect(() => loadConfig({ CARSI_DATA_DIR: dataDir(), METRICS_HOST: '0.0.0.0' })).toThrow(
      'METRICS_HOST: applies only with METRICS_PORT',
    );
  });

  it('requires JWT_SECRET and the application role password in production', () => {
    expect(() =>
      loadConfig({
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://u@db/carsi',
        CARSI_DATA_DIR: dataDir(),
      }),
    ).toThrow(/JWT_SECRET: required[\s\S]*DATABASE_APP_URL or DATABASE_APP_PASSWORD/);
  });

  it('generates development secrets once and keeps them in the data directory', () => {
    const dir = dataDir();
    const first = loadConfig({ CARSI_DATA_DIR: dir });
    const second = loadConfig({ CARSI_DATA_DIR: dir });
    expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(second.jwtSecret).toBe(first.jwtSecret);
    expect(second.appRolePassword).toBe(first.appRolePassword);
    const file = path.join(dir, 'secrets.json');
    expect(JSON.parse(readFileSync(file, 'utf8')).jwtSecret).toBe(first.jwtSecret);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('writes no secrets file in production, where every secret it needs is given', () => {
    const dir = dataDir();
    loadConfig({
      NODE_ENV: 'production',
      CARSI_DATA_DIR: dir,
      JWT_SECRET: 'p'.repeat(40),
      DATABASE_URL: 'postgres://owner@db/carsi',
      DATABASE_APP_URL: 'postgres://app:pw@db/carsi',
    });
    expect(existsSync(path.join(dir, 'secrets.json'))).toBe(false);
  });

  it('parses TRUST_PROXY as a flag, a hop count or an address list', () => {
    const trust = (value: string) => loadConfig({ CARSI_DATA_DIR: dataDir(), TRUST_PROXY: value }).trustProxy;
    expect(trust('false')).toBe(false);
    expect(trust('true')).toBe(true);
    expect(trust('2')).toBe(2);
    expect(trust('10.0.0.0/8, 192.168.1.1')).toEqual(['10.0.0.0/8', '192.168.1.1']);
    expect(() => trust('the load balancer')).toThrow(/TRUST_PROXY/);
  });

  it('prefers given secrets over stored ones', () => {
    const config = loadConfig({
      CARSI_DATA_DIR: dataDir(),
      JWT_SECRET: 'x'.repeat(40),
      DATABASE_APP_PASSWORD: 'pw',
    });
    expect(config.jwtSecret).toBe('x'.repeat(40));
    expect(config.appRolePassword).toBe('pw');
  });

  it('reads SMTP_URL and MAIL_FROM: mail is off without them, and a bad one is named without its password', () => {
    const mail = (env: Record<string, string>) => loadConfig({ CARSI_DATA_DIR: dataDir(), ...env }).mail;
    const problemsOf = (env: Record<string, string>) => {
      try {
        loadConfig({ CARSI_DATA_DIR: dataDir(), ...env });
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    expect(mail({})).toBeNull();
    expect(
      mail({
        SMTP_URL: 'smtp://postaci:gizli%40s%C3%BCper@mail.example.com:2525',
        MAIL_FROM: 'no-reply@example.com',
      }),
    ).toEqual({
      host: 'mail.example.com',
      port: 2525,
      secure: false,
      auth: { user: 'postaci', password: 'gizli@süper' },
      from: { name: '', address: 'no-reply@example.com' },
    });
    // Default ports: 587 for smtp (STARTTLS when offered), 465 for smtps (TLS from the start).
    expect(
      mail({ SMTP_URL: 'smtps://relay.example.com', MAIL_FROM: '"Çarşı Mağaza" <no-reply@example.com>' }),
    ).toEqual({
      host: 'relay.example.com',
      port: 465,
      secure: true,
      auth: null,
      from: { name: 'Çarşı Mağaza', address: 'no-reply@example.com' },
    });
    expect(mail({ SMTP_URL: 'smtp://[::1]', MAIL_FROM: 'Mağaza <a@b.example>' })).toMatchObject({
      host: '::1',
      port: 587,
      from: { name: 'Mağaza', address: 'a@b.example' },
    });

    const password = 'parola-kimse-bilmesin';
    const bad = {
      'http://mail.example.com': 'SMTP_URL: protocol must be smtp: or smtps:',
      'mail.example.com:587': 'SMTP_URL: protocol must be smtp: or smtps:',
      'smtp://': 'SMTP_URL: names no host',
      'smtp:relay.example.com': 'SMTP_URL: names no host',
      [`smtp://user:${password}@`]: 'SMTP_URL: not a valid URL',
      [`smtp://user:${password}@host:587/inbox`]: 'SMTP_URL: must be only smtp(s)://user:password@host:port',
      [`smtp://user:${password}@host:587?tls.rejectUnauthorized=false`]:
        'SMTP_URL: must be only smtp(s)://user:password@host:port',
      'smtp://user@host:587': 'SMTP_URL: a user name needs its password and a password its user name',
      [`smtp://user:${password}%ZZ@host:587`]:
        'SMTP_URL: the user name or password is not valid percent-encoding',
      [`smtp://user:${password}@host:99999`]: 'SMTP_URL: not a valid URL',
    };
    for (const [url, problem] of Object.entries(bad)) {
      const problems = problemsOf({ SMTP_URL: url, MAIL_FROM: 'no-reply@example.com' });
      expect(problems, url).toHaveLength(1);
      expect(problems[0], url).toContain(problem);
      expect(problems[0], url).not.toContain(password);
    }

    expect(problemsOf({ SMTP_URL: 'smtp://mail.example.com' })).toEqual([
      'MAIL_FROM: required with SMTP_URL (e.g. "Mağaza <no-reply@example.com>")',
    ]);
    for (const from of ['Mağaza', 'Mağaza <no-reply>', 'a@b@c', '<>', 'Ad "Soyad" <a@b.example>'])
      expect(problemsOf({ SMTP_URL: 'smtp://mail.example.com', MAIL_FROM: from }), from).toEqual([
        'MAIL_FROM: not an address, nor "Name <address>" (e.g. "Mağaza <no-reply@example.com>")',
      ]);
    // A From without a server would look like mail is set up.
    expect(problemsOf({ MAIL_FROM: 'no-reply@example.com' })).toEqual([
      'MAIL_FROM: applies only with SMTP_URL',
    ]);
    // Reported with every other problem.
    expect(problemsOf({ PORT: 'x', SMTP_URL: 'ftp://x' }).map((p) => p.split(':')[0])).toEqual([
      'PORT',
      'SMTP_URL',
      'MAIL_FROM',
    ]);
  });
});
