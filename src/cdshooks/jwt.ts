import { decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { ASYMMETRIC_ALGORITHMS as ALGORITHMS, RemoteKeySets } from '../access/key-sets';
import { EligoError } from '../errors/eligo-error';
import type { CdsConfig, CdsIssuer } from './config';


export interface VerifiedCaller {
  iss: string;
  issuer: CdsIssuer;
  payload: JWTPayload;
}

/**
 * Checks the EHR's JWT on a CDS Hooks call (CDS Hooks 2.0 "Trusting CDS Clients"): signed with
 * an asymmetric key from the issuer's JWKS (its configured URL, or a `jku` on the issuer's allow
 * list), `iss` trusted, `aud` = this service's URL, `exp`, `iat` and `jti` present, and each
 * `jti` used once. Anything else is 401.
 */
export class CdsJwtVerifier {
  private readonly jwks = new RemoteKeySets();
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly config: CdsConfig,
    private readonly audience: string,
  ) {}

  async verify(authorization: string | undefined): Promise<VerifiedCaller> {
    const token = /^Bearer ([A-Za-z0-9_\-.]+)$/.exec(authorization ?? '')?.[1];
    if (!token) throw unauthorized('a Bearer JWT from the CDS client is required');
    let header: ReturnType<typeof decodeProtectedHeader>;
    let claims: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      claims = decodeJwt(token);
    } catch {
      throw unauthorized('the Authorization header is not a JWT');
    }
    if (typeof header.alg !== 'string' || !ALGORITHMS.includes(header.alg)) {
      throw unauthorized(`JWT algorithm ${String(header.alg)} is not accepted (asymmetric signatures only)`);
    }
    const issuer = this.config.issuers.find((i) => i.iss === claims.iss);
    if (!issuer) throw unauthorized('the JWT issuer is not a trusted CDS client');
    const jwksUrl = header.jku === undefined ? issuer.jwksUrl : this.allowedJku(issuer, header.jku);
    if (!jwksUrl) throw unauthorized('no key set is known for this issuer (configure jwksUrl or allow its jku)');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks.get(jwksUrl), {
        algorithms: ALGORITHMS,
        issuer: issuer.iss,
        audience: this.audience,
        requiredClaims: ['iss', 'aud', 'exp', 'iat', 'jti'],
        clockTolerance: 30,
        maxTokenAge: '10m',
      }));
    } catch (error) {
      throw unauthorized(`the JWT was refused: ${joseReason(error)}`);
    }
    this.rememberJti(issuer.iss, String(payload.jti), payload.exp as number);
    return { iss: issuer.iss, issuer, payload };
  }

  private allowedJku(issuer: CdsIssuer, jku: string): string {
    const normalised = jku.replace(/\/+$/, '');
    if (normalised === issuer.jwksUrl || issuer.allowedJku.includes(normalised)) return normalised;
    throw unauthorized('the JWT names a key set (jku) that is not on the issuer\'s allow list');
  }

  /** A replayed JWT is refused; entries leave the cache when they expire. */
  private rememberJti(iss: string, jti: string, exp: number): void {
    const nowSeconds = Date.now() / 1000;
    for (const [key, until] of this.seen) if (until < nowSeconds - 60) this.seen.delete(key);
    const key = `${iss}|${jti}`;
    if (this.seen.has(key)) throw unauthorized('this JWT was already used (jti)');
    this.seen.set(key, exp);
  }
}

function unauthorized(message: string): EligoError {
  return new EligoError('ERR_UNAUTHORIZED', message, { where: 'Authorization' });
}

function joseReason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'invalid';
}
