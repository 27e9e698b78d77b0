import { accountsRpc, rpcHandler, type RpcHandler } from '@idp/events';
import type { Deps } from '../ports.js';

/**
 * Serves `idp.rpc.accounts.person_key_status.v1`: which person data keys are destroyed. Key ids are
 * random and name nobody, so the answer discloses nothing; a replay uses it to show the fields of an
 * erased person as erased rather than merely encrypted.
 */
export const personKeyStatus = (d: Deps): RpcHandler<typeof accountsRpc.personKeyStatus> =>
  rpcHandler(accountsRpc.personKeyStatus, async (req) => ({
    destroyed: (await d.store.destroyedPersonKeys([...new Set(req.keyIds)])).map((k) => ({
      keyId: k.keyId,
      destroyedAt: k.destroyedAt.toISOString(),
    })),
  }));
