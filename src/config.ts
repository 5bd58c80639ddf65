import { parseConfig } from './errors/parse-config';
import path from 'node:path';
import { z } from 'zod';
import { queueNameSchema } from './cohort/queue/keys';
import { SCREENING_RESOURCE_TYPES } from './input/resource-types';

/** A yes/no environment variable: true, false, 1 or 0. */
export const envBool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
/** Read access to what screening reads, and to Groups (Group-level export). */
const DEFAULT_BULK_SCOPE = ['Group', ...SCREENING_RESOURCE_TYPES].map((type) => `system/${type}.rs`).join(' ');
const port = z.coerce.number().int().min(0).max(65535);

/**
 * Configuration from the environment, checked at start-up: a bad value stops the service
 * with a message naming the variable, before anything listens.
 */
export const configSchema = z.object({
  ELIGO_PORT: port.default(8080),
  ELIGO_HOST: z.string().min(1).default('127.0.0.1'),
  /** The URL people and EHRs reach the service at (links in cards, SMART redirect). */
  ELIGO_PUBLIC_URL: z.url().optional(),
  /** An external FHIR server; when absent an embedded one is started with the demo data. */
  ELIGO_FHIR_BASE_URL: z.url().optional(),
  /** Bearer token for the external FHIR server (never logged). */
  ELIGO_FHIR_TOKEN: z.string().min(1).optional(),
  ELIGO_FHIR_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),
  ELIGO_FHIR_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
  /** Port of the embedded FHIR server (0: any free port). */
  ELIGO_EMBEDDED_FHIR_PORT: port.default(8081),
  /** Port of the local EHR sandbox (SMART authorization server and launcher) beside the embedded server. */
  ELIGO_SANDBOX_PORT: port.default(8082),
  /** Comma-separated files or folders seeding the embedded FHIR server. */
  ELIGO_SEED: z.string().optional(),
  ELIGO_WRITE_BACK: envBool.default(false),
  /** Write audit records to the FHIR server as AuditEvents too (beside the audit file). */
  ELIGO_AUDIT_FHIR: envBool.default(false),
  ELIGO_MAPPINGS_DIR: z.string().optional(),
  ELIGO_DATA_DIR: z.string().default('.eligo'),
  /** SMART Backend Services client for Bulk Data $export (with ELIGO_BULK_PRIVATE_KEY_FILE); without it, ELIGO_FHIR_TOKEN is used. */
  ELIGO_BULK_CLIENT_ID: z.string().min(1).optional(),
  /** The client's private key: a PKCS#8 PEM file or a private JWK (JSON) file. */
  ELIGO_BULK_PRIVATE_KEY_FILE: z.string().min(1).optional(),
  ELIGO_BULK_KEY_ALG: z.enum(['RS384', 'ES384']).default('RS384'),
  /** The key id registered with the authorization server (default: the JWK's kid). */
  ELIGO_BULK_KEY_ID: z.string().min(1).optional(),
  /** Default: the token_endpoint of the server's .well-known/smart-configuration. */
  ELIGO_BULK_TOKEN_URL: z.url().optional(),
  ELIGO_BULK_SCOPE: z.string().min(1).default(DEFAULT_BULK_SCOPE),
  /** Cohort runs of the API and the schedules are screened by `eligo worker` processes through this Redis (BullMQ). */
  ELIGO_REDIS_URL: z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL').optional(),
  ELIGO_QUEUE_NAME: queueNameSchema.optional(),
  /** Admission control (README "Limits"): screenings at once, waiting, and per caller; beyond them 503/429 with Retry-After. */
  ELIGO_MAX_CONCURRENT_SCREENS: z.coerce.number().int().positive().default(8),
  ELIGO_MAX_QUEUED_SCREENS: z.coerce.number().int().min(0).default(32),
  ELIGO_MAX_SCREENS_PER_CALLER: z.coerce.number().int().positive().default(16),
  /** Largest posted screen request (a Bundle of one patient), in MB; beyond it 413. */
  ELIGO_MAX_BODY_MB: z.coerce.number().positive().max(512).default(10),
  ELIGO_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof configSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseConfig(configSchema, env, 'configuration', 'environment');
}

/** ELIGO_SEED as a list of files and folders, or the demo data when it is not set. */
export function seedPaths(seed: string | undefined): string[] {
  return seed ? seed.split(',').map((p) => p.trim()).filter(Boolean) : defaultSeed();
}

/** The demo data the embedded server starts with: the examples, and the Synthea samples when present. */
export function defaultSeed(root: string = path.resolve(__dirname, '..')): string[] {
  return [path.join(root, 'examples'), path.resolve(root, '..', 'shared', 'fhir-samples', 'synthea-r4')];
}
