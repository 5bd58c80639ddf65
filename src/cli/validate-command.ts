import { validateMappings } from '../mapping/compile';
import { formatIssue } from '../mapping/load';
import { EXIT_OK, EXIT_USAGE } from './exit-codes';
import type { CliIo } from './io';

export function validateCommand(mappingsDir: string | undefined, io: CliIo): number {
  const { mappings, issues } = validateMappings(mappingsDir);
  if (issues.length > 0) {
    for (const issue of issues) io.err(`${formatIssue(issue)}\n`);
    io.err(`eligo: ${issues.length} problem(s) in the mapping files\n`);
    return EXIT_USAGE;
  }
  const t = mappings?.terminology;
  const trials = mappings?.trials.map((x) => `${x.def.id} (${x.def.criteria.length} criteria)`).join(', ') ?? '';
  io.out(
    `mappings OK: ${Object.keys(t?.analytes ?? {}).length} analytes, ${Object.keys(t?.ingredients ?? {}).length} ingredients, ` +
      `${Object.keys(t?.medicationClasses ?? {}).length} medication classes, ${Object.keys(t?.valueSets ?? {}).length} value sets; trials: ${trials}\n`,
  );
  return EXIT_OK;
}
