import { runMigrateCommand } from '@idp/db';
import { migrations } from './migrations/index.js';

runMigrateCommand({ service: 'registration-authority', defaultSchema: 'ra', migrations });
