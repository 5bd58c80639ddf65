import { Redis } from 'ioredis';
import { EligoError } from '../../errors/eligo-error';

export type { Redis } from 'ioredis';

/**
 * Checks a redis:// or rediss:// URL up front, so a typo is a configuration error naming the
 * variable rather than a stream of reconnect attempts.
 */
function checkRedisUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new EligoError('ERR_CONFIG_INVALID', 'the Redis URL is not a URL (redis://host:port/db)', { where: 'redisUrl' });
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new EligoError('ERR_CONFIG_INVALID', 'the Redis URL must start with redis:// or rediss://', { where: 'redisUrl' });
  }
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new EligoError('ERR_CONFIG_INVALID', 'the Redis URL path must be a database number', { where: 'redisUrl' });
  return url;
}

/**
 * An ioredis connection for BullMQ and eligo's own run keys. BullMQ requires
 * `maxRetriesPerRequest: null` (its blocking commands wait indefinitely; ioredis retries
 * reconnects with backoff).
 */
export function connectRedis(redisUrl: string, connectionName?: string): Redis {
  checkRedisUrl(redisUrl);
  return new Redis(redisUrl, { maxRetriesPerRequest: null, ...(connectionName ? { connectionName } : {}) });
}

/** For messages: scheme, host, port and database only (never the password). */
export function describeRedisUrl(redisUrl: string): string {
  const url = checkRedisUrl(redisUrl);
  return `${url.protocol}//${url.host}${url.pathname === '' ? '/0' : url.pathname}`;
}
