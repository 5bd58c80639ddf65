import { httpUrlSetting as httpUrl, parseConfig } from '../errors/parse-config';
import { z } from 'zod';
import { EligoError } from '../errors/eligo-error';
import { LAUNCH_PATH } from '../smart/paths';


/** An EHR allowed to call the service: the `iss` of its JWTs and where its keys are. */
export const cdsIssuerSchema = z.strictObject({
  iss: z.string().min(1),
  /** The EHR's JWKS; used when a JWT has no `jku`. */
  jwksUrl: httpUrl.optional(),
  /** `jku` values accepted in JWT headers (exact URLs); a jku outside this list is refused. */
  allowedJku: z.array(httpUrl).default([]),
  /** FHIR servers eligo may read with the EHR's fhirAuthorization when prefetch is incomplete. */
  fhirServers: z.array(httpUrl).default([]),
});
export type CdsIssuer = z.infer<typeof cdsIssuerSchema>;

export const cdsConfigSchema = z.strictObject({
  /** The public URL under which /cds-services is served (the JWT `aud` is built from it). */
  serviceBaseUrl: httpUrl,
  /** Where `smart` links point (the EHR adds iss and launch). Default: serviceBaseUrl + /smart/launch. */
  appLaunchUrl: httpUrl.optional(),
  issuers: z.array(cdsIssuerSchema).min(1),
});
export type CdsConfig = z.infer<typeof cdsConfigSchema>;
export type CdsConfigInput = z.input<typeof cdsConfigSchema>;

export function parseCdsConfig(input: CdsConfigInput): CdsConfig {
  return parseConfig(cdsConfigSchema, input, 'CDS Hooks configuration', 'cdsHooks');
}

/** ELIGO_PUBLIC_URL and ELIGO_CDS_ISSUERS (JSON array of issuers); undefined when either is missing. */
export function cdsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): CdsConfig | undefined {
  if (!env.ELIGO_PUBLIC_URL || !env.ELIGO_CDS_ISSUERS) return undefined;
  let issuers: unknown;
  try {
    issuers = JSON.parse(env.ELIGO_CDS_ISSUERS);
  } catch {
    throw new EligoError('ERR_CONFIG_INVALID', 'ELIGO_CDS_ISSUERS is not JSON (an array of {"iss","jwksUrl"})', { where: 'ELIGO_CDS_ISSUERS' });
  }
  return parseCdsConfig({ serviceBaseUrl: env.ELIGO_PUBLIC_URL, issuers: issuers as CdsConfigInput['issuers'] });
}

export const SERVICE_ID = 'eligo-patient-view';

export function serviceUrl(config: CdsConfig): string {
  return `${config.serviceBaseUrl}/cds-services/${SERVICE_ID}`;
}

export function appLaunchUrl(config: CdsConfig): string {
  return config.appLaunchUrl ?? `${config.serviceBaseUrl}${LAUNCH_PATH}`;
}
