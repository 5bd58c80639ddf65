import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import type { Logger } from '../log';
import { CALLBACK_PATH, LAUNCH_PATH } from '../smart/paths';
import { SandboxFhirHooks } from './fhir-hooks';
import { LaunchContexts, type LaunchContext } from './launch-contexts';
import type { OidcProvider } from './oidc-types';
import { chartPage, launcherPage, messagePage, pickPatientPage, type DemoPatient } from './pages';
import { createSandboxProvider, type SandboxClient } from './provider';
import { SANDBOX_OIDC_SCOPES, SANDBOX_RESOURCE_SCOPES } from './scopes';
import { smartConfiguration } from './smart-configuration';

export interface SandboxOptions {
  /** The embedded FHIR server's base URL: the `iss` of every launch. */
  fhirBaseUrl: string;
  /** The app's public URL: the client's redirect URI and the launch URL are built from it. */
  appBaseUrl: string;
  /** Created first and given to createFhirServer({ middleware: [hooks.middleware] }). */
  hooks: SandboxFhirHooks;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1: a development server is not for the network. */
  host?: string;
  clientId?: string;
  clientSecret?: string;
  /** Short values exercise token refresh. Default 3600. */
  accessTokenTtlSeconds?: number;
  /** The EHR user of every launch (fhirUser = Practitioner/<id>). */
  practitionerId?: string;
  log?: Logger;
}

export interface RunningSandbox {
  /** The authorization server and launcher, e.g. http://127.0.0.1:4001 (also the OAuth issuer). */
  url: string;
  launcherUrl: string;
  close(): Promise<void>;
}

/**
 * A local EHR for development: a SMART authorization server (oidc-provider) for the embedded
 * FHIR server, and a launcher page listing its patients that starts EHR launches of the app.
 */
export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const host = options.host ?? '127.0.0.1';
  // The server must listen before the provider exists (the issuer URL needs the port), so
  // connections can arrive first: they are answered 503 rather than left without a handler,
  // which would hang them forever.
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined = undefined;
  const server = createServer((req, res) => {
    if (handler) {
      handler(req, res);
      return;
    }
    res.writeHead(503, { 'Retry-After': '1', 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }).end('the sandbox EHR is starting\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const fhirBaseUrl = options.fhirBaseUrl.replace(/\/+$/, '');
  const appBaseUrl = options.appBaseUrl.replace(/\/+$/, '');
  const contexts = new LaunchContexts();
  const practitioner = `Practitioner/${options.practitionerId ?? 'sandbox-clinician'}`;
  const client: SandboxClient = {
    clientId: options.clientId ?? 'eligo',
    ...(options.clientSecret ? { clientSecret: options.clientSecret } : {}),
    redirectUris: [`${appBaseUrl}${CALLBACK_PATH}`],
  };
  let provider: OidcProvider;
  try {
    provider = await createSandboxProvider({ issuer, fhirBaseUrl, clients: [client], contexts, accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 3600 });
  } catch (error) {
    server.close();
    throw error;
  }
  const configuration = smartConfiguration(issuer);
  options.hooks.attach(configuration, async (token) => {
    const found = await provider.AccessToken.find(token);
    if (!found) return undefined;
    const audiences = Array.isArray(found.aud) ? found.aud : [found.aud];
    if (!audiences.includes(fhirBaseUrl)) return undefined;
    const context = contexts.forGrant(found.grantId);
    return { ...(context ? { patient: context.patient } : {}), scopes: new Set((found.scope ?? '').split(' ')) };
  });

  const patients = (): Promise<DemoPatient[]> => listPatients(fhirBaseUrl, options.hooks.internalToken);
  const launchUrl = (launch?: string): string =>
    `${appBaseUrl}${LAUNCH_PATH}?iss=${encodeURIComponent(fhirBaseUrl)}${launch ? `&launch=${encodeURIComponent(launch)}` : ''}`;

  const app = express();
  app.disable('x-powered-by');
  app.get('/.well-known/smart-configuration', (_req, res) => {
    res.json(configuration);
  });
  app.get('/', async (_req, res) => {
    res.type('html').send(launcherPage(await patients(), launchUrl()));
  });
  app.get('/ehr/launch', async (req, res) => {
    const patient = (await patients()).find((p) => p.id === req.query.patient);
    if (!patient) {
      res.status(404).type('html').send(messagePage('No such patient', 'Pick a patient from the list.'));
      return;
    }
    const launch = contexts.createLaunch({ patient: patient.id, practitioner, needPatientBanner: false });
    res.type('html').send(chartPage(patient, launchUrl(launch)));
  });
  app.get('/interaction/:uid', async (req, res) => {
    const details = await provider.interactionDetails(req, res);
    const launchId = typeof details.params.launch === 'string' ? details.params.launch : undefined;
    const context = contexts.launch(launchId);
    if (context) {
      // An EHR launch: the user is signed in to the EHR and the chart gives the patient.
      await finish(provider, req, res, details.params, context, fhirBaseUrl, contexts);
      return;
    }
    if (launchId !== undefined) {
      await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'the launch has expired' }, { mergeWithLastSubmission: false });
      return;
    }
    res.type('html').send(pickPatientPage(details.uid, await patients()));
  });
  app.post('/interaction/:uid/patient', express.urlencoded({ extended: false, limit: '2kb' }), async (req, res) => {
    const details = await provider.interactionDetails(req, res);
    const chosen = (req.body as Record<string, unknown> | undefined)?.patient;
    const patient = (await patients()).find((p) => p.id === chosen);
    if (!patient) {
      res.status(400).type('html').send(messagePage('Choose a patient', 'No patient was chosen.'));
      return;
    }
    await finish(provider, req, res, details.params, { patient: patient.id, practitioner, needPatientBanner: true }, fhirBaseUrl, contexts);
  });
  const oidc = provider.callback();
  app.use((req, res) => oidc(req, res));
  app.use((error: unknown, _req: Request, res: Response, _next: () => void) => {
    options.log?.error({ err: error instanceof Error ? { name: error.name, message: error.message } : String(error) }, 'sandbox request failed');
    if (!res.headersSent) res.status(500).type('html').send(messagePage('Sandbox error', 'The sandbox EHR could not complete this step; start again.'));
  });
  handler = app;
  options.log?.info({ event: 'sandbox.started', url: issuer }, 'sandbox EHR listening');

  return {
    url: issuer,
    launcherUrl: `${issuer}/`,
    close: () => closeServer(server),
  };
}

/** Records the user's approval: a new grant for exactly the scopes asked (that the sandbox knows), bound to the launch context. */
async function finish(
  provider: OidcProvider,
  req: Request,
  res: Response,
  params: Record<string, unknown>,
  context: LaunchContext,
  fhirBaseUrl: string,
  contexts: LaunchContexts,
): Promise<void> {
  const accountId = context.practitioner.replace(/^Practitioner\//, '');
  const requested = String(params.scope ?? '').split(' ');
  const grant = new provider.Grant({ accountId, clientId: String(params.client_id) });
  const oidcScopes = requested.filter((s) => SANDBOX_OIDC_SCOPES.includes(s));
  const resourceScopes = requested.filter((s) => RESOURCE_SCOPES.has(s));
  if (oidcScopes.length) grant.addOIDCScope(oidcScopes.join(' '));
  if (resourceScopes.length) grant.addResourceScope(fhirBaseUrl, resourceScopes.join(' '));
  const grantId = await grant.save();
  contexts.bindGrant(grantId, context);
  await provider.interactionFinished(req, res, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
}

const RESOURCE_SCOPES: ReadonlySet<string> = new Set(SANDBOX_RESOURCE_SCOPES);

async function listPatients(fhirBaseUrl: string, token: string): Promise<DemoPatient[]> {
  const response = await fetch(`${fhirBaseUrl}/Patient?_count=200`, {
    headers: { accept: 'application/fhir+json', authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`the FHIR server answered ${response.status} listing patients`);
  const bundle = (await response.json()) as { entry?: { resource?: { id?: string; name?: { text?: string; given?: string[]; family?: string }[]; birthDate?: string; gender?: string } }[] };
  return (bundle.entry ?? []).flatMap((e) => {
    const p = e.resource;
    if (!p?.id) return [];
    const name = p.name?.[0];
    const text = name?.text ?? [...(name?.given ?? []), name?.family].filter(Boolean).join(' ');
    return [{ id: p.id, name: text || p.id, ...(p.birthDate ? { birthDate: p.birthDate } : {}), ...(p.gender ? { gender: p.gender } : {}) }];
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
