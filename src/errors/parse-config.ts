import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { EligoError } from './eligo-error';
import { clip, listCapped } from './limits';

/**
 * Configuration checked by its zod schema: the parsed value, or ERR_CONFIG_INVALID listing
 * every problem as "<field>: <why>" under `label`, with the first field as `where`. Values are
 * never echoed (a token or key may be among them).
 */
export function parseConfig<Schema extends z.ZodType>(schema: Schema, input: unknown, label: string, fallbackWhere: string): z.infer<Schema> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const lines = listCapped(parsed.error.issues, (issue) => `${issue.path.map(String).join('.') || fallbackWhere}: ${issue.message}`);
  const where = clip(parsed.error.issues[0]?.path.map(String).join('.') || fallbackWhere);
  throw new EligoError('ERR_CONFIG_INVALID', `invalid ${label}:\n${lines.join('\n')}`, { where });
}

/** The text of a file a configuration variable names, or ERR_CONFIG_INVALID naming the variable and why it could not be read. */
export function readConfiguredFile(variable: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new EligoError('ERR_CONFIG_INVALID', `invalid configuration: ${variable}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { where: variable });
  }
}

/** An http(s) URL setting, kept without trailing slashes so paths can be appended. */
export const httpUrlSetting = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));
