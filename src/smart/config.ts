import { httpUrlSetting as httpUrl, parseConfig } from '../errors/parse-config';
import { z } from 'zod';
import { EligoError } from '../errors/eligo-error';


/** One EHR allowed to launch eligo: its FHIR base URL (the `iss`) and eligo's registration there. */
export const smartClientSchema = z.strictObject({
  iss: httpUrl,
  clientId: z.string().min(1),
  /** Only for a confidential registration; public clients (the default) rely on PKCE alone. */
  clientSecret: z.string().min(1).optional(),
});
export type SmartClientRegistration = z.infer<typeof smartClientSchema>;

export const smartConfigSchema = z.strictObject({
  /** The app's public URL (redirect URI, cookie security, links); never taken from a Host header. */
  appBaseUrl: httpUrl,
  /** Launches from any other `iss` are refused: eligo never talks to a FHIR server it was not configured for. */
  clients: z.array(smartClientSchema).min(1),
  /** Ask for write scopes and show the write-back button. */
  writeBack: z.boolean().default(false),
  /** Folder for the file-backed session store; memory (lost on restart) when absent. */
  sessionDir: z.string().min(1).optional(),
  /** Absolute lifetime of an app session, whatever the refresh token allows. */
  sessionTtlSeconds: z.number().int().positive().default(8 * 3600),
  /** How long a started launch waits for the EHR's redirect back. */
  launchTtlSeconds: z.number().int().positive().default(600),
  /** Scope asking for a refresh token; `none` asks for none (the session ends with the access token). */
  refreshScope: z.enum(['online_access', 'offline_access', 'none']).default('online_access'),
  /** Origins allowed to frame the report page (the EHR's UI); the app's own origin is always allowed. */
  frameAncestors: z.array(z.url()).default([]),
});
export type SmartConfig = z.infer<typeof smartConfigSchema>;
export type SmartConfigInput = z.input<typeof smartConfigSchema>;

export function parseSmartConfig(input: SmartConfigInput): SmartConfig {
  return parseConfig(smartConfigSchema, input, 'SMART configuration', 'smart');
}

/**
 * The SMART settings from the environment, or undefined when the app is not configured
 * (ELIGO_PUBLIC_URL and a client are both needed). See docs/smart.md for every variable.
 */
export function smartConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SmartConfig | undefined {
  const appBaseUrl = env.ELIGO_PUBLIC_URL;
  const clients = clientsFromEnv(env);
  if (!appBaseUrl || clients.length === 0) return undefined;
  return parseSmartConfig({
    appBaseUrl,
    clients,
    writeBack: ['true', '1'].includes(env.ELIGO_SMART_WRITE_BACK ?? env.ELIGO_WRITE_BACK ?? ''),
    ...(env.ELIGO_SMART_SESSION_DIR ? { sessionDir: env.ELIGO_SMART_SESSION_DIR } : {}),
    ...(env.ELIGO_SMART_SESSION_TTL ? { sessionTtlSeconds: Number(env.ELIGO_SMART_SESSION_TTL) } : {}),
    ...(env.ELIGO_SMART_REFRESH_SCOPE ? { refreshScope: env.ELIGO_SMART_REFRESH_SCOPE as SmartConfig['refreshScope'] } : {}),
    frameAncestors: (env.ELIGO_SMART_FRAME_ANCESTORS ?? '').split(/\s+/).filter(Boolean),
  });
}

function clientsFromEnv(env: NodeJS.ProcessEnv): SmartConfigInput['clients'] {
  if (env.ELIGO_SMART_CLIENTS) {
    try {
      return JSON.parse(env.ELIGO_SMART_CLIENTS) as SmartConfigInput['clients'];
    } catch {
      throw new EligoError('ERR_CONFIG_INVALID', 'ELIGO_SMART_CLIENTS is not JSON (an array of {"iss","clientId"})', { where: 'ELIGO_SMART_CLIENTS' });
    }
  }
  if (env.ELIGO_SMART_ISS && env.ELIGO_SMART_CLIENT_ID) {
    return [{ iss: env.ELIGO_SMART_ISS, clientId: env.ELIGO_SMART_CLIENT_ID, ...(env.ELIGO_SMART_CLIENT_SECRET ? { clientSecret: env.ELIGO_SMART_CLIENT_SECRET } : {}) }];
  }
  return [];
}

export function registrationFor(config: SmartConfig, iss: string): SmartClientRegistration | undefined {
  const wanted = iss.replace(/\/+$/, '');
  return config.clients.find((c) => c.iss === wanted);
}

export function isHttps(config: SmartConfig): boolean {
  return config.appBaseUrl.startsWith('https:');
}
