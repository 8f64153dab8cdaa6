import { createHash } from 'node:crypto';
import { createDecoder, createSigner, createVerifier } from 'fast-jwt';
import type { ActorKind } from '../../kernel/context.js';
import { AppError } from '../../kernel/errors.js';

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
/** How far a token's issue time may lie in the future: clocks of several servers drift a little. */
export const CLOCK_SKEW_SECONDS = 30;
const ISSUER = 'carsi';

/** What an access token says about its bearer. */
export interface AccessClaims {
  /** User id. */
  sub: string;
  /** Tenant id; null for platform administrators. */
  tid: string | null;
  knd: ActorKind;
  /** Role keys; permissions are looked up from them on each request. */
  rls: string[];
  /** Sign-in session id. */
  sid: string;
  /** Set when the tenant requires a second factor the user has not set up: the token grants nothing else. */
  mfa?: 'setup_required';
}

export interface VerifiedAccess extends AccessClaims {
  exp: number;
  iat: number;
}

const invalid = () => new AppError('auth.invalid_token', 401, 'The access token is invalid or has expired.');

function signatureOf(token: string): string {
  return token.slice(token.lastIndexOf('.') + 1);
}

/** A key id from the secret, so tokens name the key that signed them and keys can rotate. */
function keyId(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url').slice(0, 16);
}

/**
 * Signs access tokens (HS256 JWT, 15 minutes) with the current secret and verifies tokens signed with
 * it or with a previous one still accepted during a rotation. Verification is synchronous and keeps
 * the tokens it has checked, so a client reusing its token costs one map lookup.
 */
export class AccessTokens {
  private readonly sign: (claims: AccessClaims) => string;
  /**
   * Tokens already verified, by their signature (the text after the last dot: random to anyone
   * without the key, so short and distinct keys); an entry counts only for exactly the same text.
   * A client sends the same token for up to 15 minutes.
   */
  private readonly verified = new Map<string, { token: string; claims: VerifiedAccess }>();
  private readonly verifiers = new Map<string, (token: string) => VerifiedAccess>();
  private readonly decodeHeader = createDecoder({ complete: true });

  constructor(currentSecret: string, previousSecrets: readonly string[] = []) {
    const kid = keyId(currentSecret);
    const signer = createSigner({
      key: currentSecret,
      algorithm: 'HS256',
      kid,
      iss: ISSUER,
      expiresIn: ACCESS_TOKEN_TTL_SECONDS * 1000,
    });
    this.sign = (claims) => signer({ ...claims });
    for (const secret of [currentSecret, ...previousSecrets]) {
      const verify = createVerifier({
        key: secret,
        algorithms: ['HS256'],
        allowedIss: ISSUER,
        requiredClaims: ['sub', 'knd', 'sid', 'exp', 'iat'],
      });
      this.verifiers.set(keyId(secret), verify as (token: string) => VerifiedAccess);
    }
  }

  issue(claims: AccessClaims): { token: string; expiresIn: number } {
    return { token: this.sign(claims), expiresIn: ACCESS_TOKEN_TTL_SECONDS };
  }

  /** Whether exactly this token has been verified before (it may have expired since). */
  seen(token: string): boolean {
    return this.verified.get(signatureOf(token))?.token === token;
  }

  /** The token's claims, or a 401 problem for anything malformed, tampered with, unknown or expired. */
  verify(token: string): VerifiedAccess {
    const signature = signatureOf(token);
    const known = this.verified.get(signature);
    if (known && known.token === token) {
      if (known.claims.exp * 1000 > Date.now()) return known.claims;
      this.verified.delete(signature);
      throw invalid();
    }
    const claims = this.check(token);
    // Bounded: the oldest entries go first (a Map iterates in insertion order).
    if (this.verified.size >= 10_000) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(signature, { token, claims });
    return claims;
  }

  private check(token: string): VerifiedAccess {
    if (token.length > 4096) throw invalid();
    let kid: unknown;
    try {
      kid = (this.decodeHeader(token) as { header: { kid?: unknown } }).header.kid;
    } catch {
      throw invalid();
    }
    const verify = typeof kid === 'string' ? this.verifiers.get(kid) : undefined;
    if (!verify) throw invalid();
    try {
      const claims = verify(token);
      if (typeof claims.sub !== 'string' || !Array.isArray(claims.rls)) throw invalid();
      // A token "issued" in the future was not issued by this clock: a forged or mis-set one.
      if (typeof claims.iat !== 'number' || claims.iat > Date.now() / 1000 + CLOCK_SKEW_SECONDS)
        throw invalid();
      return claims;
    } catch {
      throw invalid();
    }
  }
}
