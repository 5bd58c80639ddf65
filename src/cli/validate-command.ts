import { EligoError } from '../errors/eligo-error';
import { ingredientForClassWarnings, referencedNames, validateMappings } from '../mapping/compile';
import { alwaysMetWarnings, trialWarnings, unusedTerminology } from '../mapping/static-checks';
import { explainAnchor, explainCriterion } from '../mapping/explain';
import { Terminology } from '../mapping/terminology';
import { formatIssue, placeIssues } from '../mapping/load';
import { EXIT_OK, EXIT_USAGE } from './exit-codes';
import type { CliIo } from './io';

export function validateCommand(mappingsDir: string | undefined, io: CliIo, explain?: string): number {
  const { mappings, issues } = validateMappings(mappingsDir);
  if (issues.length > 0) {
    for (const issue of issues) io.err(`${formatIssue(issue)}\n`);
    io.err(`eligo: ${issues.length} problem(s) in the mapping files\n`);
    return EXIT_USAGE;
  }
  // Likely mistakes that can also be right: said, not refused.
  const terminology = mappings ? new Terminology(mappings.terminology) : undefined;
  const warnings =
    mappings && terminology
      ? placeIssues([...mappings.trials.flatMap(trialWarnings), ...ingredientForClassWarnings(mappings), ...mappings.trials.flatMap((t) => alwaysMetWarnings(t, terminology))], mappings)
      : [];
  for (const warning of warnings) io.err(`warning: ${formatIssue(warning)}\n`);
  if (explain !== undefined && mappings && terminology) {
    const trial = mappings.trials.find((x) => x.def.id === explain);
    if (!trial) throw new EligoError('ERR_TRIAL_NOT_FOUND', `no trial "${explain}"; the mappings define ${mappings.trials.map((x) => x.def.id).join(', ')}`, { where: '--explain' });
    io.out(`${trial.def.title} (${trial.def.id}, version ${trial.def.version}), ${trial.file}\n\n`);
    const anchors = trial.def.anchors;
    if (anchors.length > 0) io.out(`${anchors.map((a) => explainAnchor(a, terminology, anchors)).join('\n')}\n\n`);
    io.out(`${trial.def.criteria.map((c) => explainCriterion(c, terminology, anchors)).join('\n\n')}\n`);
    return EXIT_OK;
  }
  const unused = mappings ? unusedTerminology(mappings, referencedNames(mappings)) : [];
  // Not an error: the terminology is shared, and a site may keep entries for trials to come.
  const note = unused.length > 0 ? `note: ${unused.length} terminology entries no trial uses: ${unused.slice(0, 10).join(', ')}${unused.length > 10 ? `, and ${unused.length - 10} more` : ''}\n` : '';
  const t = mappings?.terminology;
  const trials = mappings?.trials.map((x) => `${x.def.id} (${x.def.criteria.length} criteria)`).join(', ') ?? '';
  io.out(
    `mappings OK: ${Object.keys(t?.analytes ?? {}).length} analytes, ${Object.keys(t?.ingredients ?? {}).length} ingredients, ` +
      `${Object.keys(t?.medicationClasses ?? {}).length} medication classes, ${Object.keys(t?.valueSets ?? {}).length} value sets; trials: ${trials}\n${note}`,
  );
  return EXIT_OK;
}
