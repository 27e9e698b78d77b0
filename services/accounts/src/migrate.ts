import { runMigrateCommand } from '@idp/db';
import { migrations } from './migrations/index.js';

runMigrateCommand({ service: 'accounts', defaultSchema: 'accounts', migrations });
