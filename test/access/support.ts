import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload, type KeyLike } from 'jose';

/**
 * A token issuer for the tests: its JWKS served over HTTP, tokens signed with its private key
 * and whatever claims a test asks for (so tests can forge expired, misaddressed or
 * under-scoped tokens the way a misconfigured authorisation server would).
 */
export interface TestIssuer {
  issuer: string;
  jwksUri: string;
  sign(claims: JWTPayload, options?: { alg?: string; key?: KeyLike }): Promise<string>;
  /** A second key pair, not in the JWKS: a token signed with it must be refused. */
  strangerKey: KeyLike;
  close(): Promise<void>;
}

export async function startTestIssuer(): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const stranger = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-issuer-1', alg: 'RS256', use: 'sig' };
  const server: Server = createServer((req, res) => {
    if (req.url === '/jwks') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    strangerKey: stranger.privateKey,
    sign: (claims, options = {}) =>
      new SignJWT(claims).setProtectedHeader({ alg: options.alg ?? 'RS256', kid: 'test-issuer-1' }).sign(options.key ?? privateKey),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
