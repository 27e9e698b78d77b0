import { accountsOfficerLookupRpc, rpcHandler, type RpcHandler } from '@idp/events';
import { parseTaxNumber } from '../domain/tax-number.js';
import type { Deps } from '../ports.js';
import { accountNotFound } from './get-attributes.js';

/**
 * Serves `idp.rpc.accounts.find_by_tax_number.v1` for the officer console: the tax number an
 * officer typed (SI prefix and spaces allowed, checksum enforced) to the account's id.
 */
export const findByTaxNumber = (
  d: Pick<Deps, 'store'>,
): RpcHandler<typeof accountsOfficerLookupRpc.findByTaxNumber> =>
  rpcHandler(accountsOfficerLookupRpc.findByTaxNumber, async (req) => {
    const accountId = await d.store.findIdByTaxNumber(parseTaxNumber(req.taxNumber));
    if (!accountId) throw accountNotFound();
    return { accountId };
  });
