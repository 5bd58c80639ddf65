import { parseArgs } from 'node:util';
import { fhirPortsFromConfig } from '../app/fhir-ports';
import { loadConfig } from '../config';
import { EligoError } from '../errors/eligo-error';
import { RemoteLoader } from '../fhir/load/remote-loader';
import { loadFhirFiles } from '../server/loader/load-files';
import { parsedArgs } from './args';
import { EXIT_OK } from './exit-codes';
import type { CliIo } from './io';

export const LOAD_USAGE = `Usage: eligo load --fhir <base-url> <file or folder> [...]

Loads FHIR files (Bundles, single resources, NDJSON) into any FHIR R4 server, one transaction
per file, without client-chosen ids: every resource is POSTed under a urn:uuid, references
inside the file are rewritten to it, and each resource is tagged urn:eligo:source-id|Type/id
(its id in the file). A file whose patient is on the server already is skipped, so loading
twice does not duplicate. Credentials as for \`eligo screen --fhir\` (ELIGO_FHIR_TOKEN or the
Backend Services variables).
`;

export async function loadCommand(argv: string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const parsed = parsedArgs(() => parseArgs({ args: argv, strict: true, allowPositionals: true, options: { fhir: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  if (parsed.values.help) {
    io.out(LOAD_USAGE);
    return EXIT_OK;
  }
  const baseUrl = parsed.values.fhir;
  if (!baseUrl) throw new EligoError('ERR_ARGUMENT_INVALID', '--fhir <base-url> is required', { where: '--fhir' });
  if (parsed.positionals.length === 0) throw new EligoError('ERR_ARGUMENT_INVALID', 'name at least one file or folder to load', { where: 'paths' });
  const ports = fhirPortsFromConfig(loadConfig(env), baseUrl);
  const loader = new RemoteLoader(ports.fhir.http);
  let skipped = 0;
  const summary = await loadFhirFiles(
    {
      load: async (input) => {
        const result = await loader.load(input);
        if (result.skipped) skipped++;
        return result;
      },
    },
    parsed.positionals,
  );
  io.out(`loaded ${summary.files.length - skipped} files (${summary.resources} resources) into ${ports.fhir.baseUrl}; ${skipped} already there${summary.missing.length ? `; not found: ${summary.missing.join(', ')}` : ''}\n`);
  return EXIT_OK;
}
