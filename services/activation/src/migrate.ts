import { runMigrateCommand } from '@idp/db';
import { migrations } from './migrations/index.js';

runMigrateCommand({ service: 'activation', defaultSchema: 'activation', migrations });
