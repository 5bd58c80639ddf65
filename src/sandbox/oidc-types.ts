import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The few parts of oidc-provider 9 the sandbox uses. The package ships no type declarations
 * and is ESM-only (loaded with a real dynamic import), so these describe only what is called.
 */
export interface OidcGrant {
  addOIDCScope(scope: string): void;
  addResourceScope(resource: string, scope: string): void;
  save(): Promise<string>;
}

export interface OidcInteraction {
  uid: string;
  params: Record<string, unknown>;
  prompt: { name: string };
}

export interface OidcAccessToken {
  grantId?: string;
  scope?: string;
  aud?: string | string[];
}

export interface KoaLikeContext {
  status: number;
  body: unknown;
  oidc?: { route?: string; entities: { AccessToken?: OidcAccessToken; Grant?: { getOIDCScope(): string } } };
}

export interface OidcProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<OidcInteraction>;
  interactionFinished(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, options?: { mergeWithLastSubmission?: boolean }): Promise<void>;
  Grant: (new (init: { accountId: string; clientId: string }) => OidcGrant) & { find(id: string): Promise<OidcGrant | undefined> };
  AccessToken: { find(token: string): Promise<OidcAccessToken | undefined> };
  use(middleware: (ctx: KoaLikeContext, next: () => Promise<void>) => Promise<void>): void;
}

export interface OidcModule {
  default: new (issuer: string, configuration: Record<string, unknown>) => OidcProvider;
  errors: { InvalidRequest: new (description: string) => Error; InvalidTarget: new (description?: string) => Error };
}

/** A real `import()` in the CommonJS build (module node16 keeps it), so the ESM-only package loads. */
export async function loadOidcProvider(): Promise<OidcModule> {
  return (await import('oidc-provider')) as unknown as OidcModule;
}
