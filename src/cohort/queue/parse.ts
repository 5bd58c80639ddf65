import type { z } from 'zod';
import { EligoError } from '../../errors/eligo-error';

/** A zod check at the queue's edge, failing as ERR_ARGUMENT_INVALID with the field named. */
export function parseArgument<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path.length ? ` (${issue.path.join('.')})` : '';
  throw new EligoError('ERR_ARGUMENT_INVALID', `${what} is not valid${path}: ${issue?.message ?? ''}`, { where: what });
}
