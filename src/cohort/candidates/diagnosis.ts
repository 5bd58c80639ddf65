import { EligoError } from '../../errors/eligo-error';
import type { CodeQuery, FhirSource } from '../../fhir';
import type { CompiledTrial } from '../../mapping/compile';
import type { CandidateSource } from '../types';
import { answersConditionSearch, conditionSubjects } from './condition-pages';
import { diagnosisQuery, type CodePrefix } from './diagnosis-codes';
import { candidatesFromIds } from './from-ids';
import { expandPrefix, withDotlessVariants } from './prefix-expansion';

/** `auto` asks the server whether it answers `code:below` for each code system; the others force one way. */
export type PrefixSearch = 'auto' | 'below' | 'codes';

export interface DiagnosisSourceOptions {
  prefixSearch?: PrefixSearch;
  /** Also search `code:text` for the value sets' names (text-only diagnoses). Default true. */
  textSearch?: boolean;
}

/**
 * Candidates by diagnosis: patients with a Condition coded in the trial's candidateValueSets,
 * plus (when the server answers `code:text`) Conditions that carry only a recognised name.
 * The list is a superset: verification status, exclusions and dates are judged by screening.
 */
export function diagnosisSource(fhir: FhirSource, trial: CompiledTrial, options: DiagnosisSourceOptions = {}): CandidateSource {
  const sets = trial.def.candidateValueSets;
  return {
    replay: 'snapshot',
    description: `patients with a Condition in ${sets.join(', ') || '(no value set)'}`,
    open: async (signal) => {
      const query = diagnosisQuery(trial);
      if (query.codes.length + query.prefixes.length + query.names.length === 0) {
        throw new EligoError('ERR_ARGUMENT_INVALID', `trial ${trial.id} lists no candidateValueSets: select the cohort by Group or by patient ids`, {
          where: 'select',
        });
      }
      const warnings: string[] = [];
      const codeQueries: CodeQuery[] = query.codes.flatMap((c) => withDotlessVariants(c.system, [c.code]).map((code) => ({ system: c.system, code })));
      for (const prefix of query.prefixes) {
        if (await useBelow(fhir, prefix, options.prefixSearch ?? 'auto')) {
          codeQueries.push({ system: prefix.system, code: prefix.prefix, below: true });
        } else {
          codeQueries.push(...expandPrefix(prefix, trial).map((code) => ({ system: prefix.system, code })));
          const why = options.prefixSearch === 'codes' ? 'as configured' : 'the server does not answer code:below';
          warnings.push(`${prefix.system} ${prefix.prefix}: searched as explicit codes (${why}); codes with letters after the category are not found`);
        }
      }
      const ids = new Set(codeQueries.length > 0 ? await fhir.searchPatientIds({ conditionCodes: codeQueries }) : []);
      if (options.textSearch ?? true) {
        for (const name of query.names) {
          if (signal.aborted) throw new EligoError('ERR_CANCELLED', 'the run was cancelled while selecting candidates');
          const answer = await conditionSubjects(fhir, `code:text=${encodeURIComponent(name)}&_count=200`, signal);
          if (answer.refused) {
            warnings.push(`Conditions recorded only as text were not searched: the server refused code:text (${answer.status})`);
            break;
          }
          for (const id of answer.patientIds) ids.add(id);
        }
      }
      return { total: ids.size, candidates: candidatesFromIds(ids), warnings: [...new Set(warnings)] };
    },
  };
}

const belowAnswers = new WeakMap<FhirSource, Map<string, Promise<boolean>>>();

/** Whether the server answers `code:below` for the prefix's system; asked once per server and system. */
async function useBelow(fhir: FhirSource, prefix: CodePrefix, mode: PrefixSearch): Promise<boolean> {
  switch (mode) {
    case 'below':
      return true;
    case 'codes':
      return false;
    case 'auto': {
      let bySystem = belowAnswers.get(fhir);
      if (!bySystem) belowAnswers.set(fhir, (bySystem = new Map()));
      let answer = bySystem.get(prefix.system);
      if (!answer) {
        const token = encodeURIComponent(`${prefix.system}|${prefix.prefix}`);
        answer = answersConditionSearch(fhir, `code:below=${token}&_count=1`);
        bySystem.set(prefix.system, answer);
        answer.catch(() => bySystem.delete(prefix.system));
      }
      return answer;
    }
  }
}
