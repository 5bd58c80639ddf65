import pino, { type Logger } from 'pino';

/**
 * The service logger. Redaction is the safety net, not the policy: call sites never pass
 * names, birth dates, identifiers or tokens at info level; the paths below catch mistakes.
 */
export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.ELIGO_LOG_LEVEL ?? 'info',
      base: { service: 'eligo' },
      redact: {
        paths: [
          'token',
          'accessToken',
          'access_token',
          'refresh_token',
          'id_token',
          'authorization',
          'headers.authorization',
          'req.headers.authorization',
          'req.headers.cookie',
          'bearerToken',
          'clientSecret',
          'name',
          'birthDate',
          'identifier',
        ],
        censor: '[redacted]',
      },
    },
    options.destination,
  );
}

export type { Logger };
