import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ruleReference } from '../src/mapping/rule-reference';

const file = path.resolve(__dirname, '../docs/rules.md');
writeFileSync(file, ruleReference());
process.stdout.write(`wrote ${file}\n`);
