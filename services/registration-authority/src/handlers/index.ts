import type { RpcHandler } from '@idp/events';
import type { ConsoleDeps } from '../console/deps.js';
import { createOfficer } from './create-officer.js';
import { disableOfficer } from './disable-officer.js';

/** Every RPC this service answers besides its status. */
export const raHandlers = (d: ConsoleDeps): RpcHandler[] => [createOfficer(d), disableOfficer(d)];
