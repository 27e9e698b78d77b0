import { LOA_ORDER, LOA_URI, METHOD_LOA, type Loa, type SpPolicy } from '@idp/saml';

export interface RequestedAuthnContext {
  comparison: 'exact' | 'minimum' | 'better' | 'maximum';
  classRefs: string[];
}

const rank = (l: Loa) => LOA_ORDER.indexOf(l);
const fromUri = (uri: string): Loa | undefined =>
  (Object.entries(LOA_URI) as [Loa, string][]).find(([, u]) => u === uri)?.[0];

/**
 * The levels a login may end at for this request: what the SP's policy allows (its minimum, its
 * login methods) intersected with what RequestedAuthnContext asks for (SAML core 3.3.2.2.1).
 * Empty means the SP must get NoAuthnContext. The login aims for the lowest acceptable level.
 */
export function acceptableLevels(
  policy: Pick<SpPolicy, 'minLoa' | 'allowedMethods'>,
  requested?: RequestedAuthnContext,
): Loa[] {
  const reachable = new Set(policy.allowedMethods.map((m) => METHOD_LOA[m]));
  let levels = LOA_ORDER.filter((l) => reachable.has(l) && rank(l) >= rank(policy.minLoa));
  if (requested && requested.classRefs.length > 0) {
    const asked = requested.classRefs.map(fromUri).filter((l): l is Loa => l !== undefined);
    if (asked.length === 0) return [];
    const lo = Math.min(...asked.map(rank));
    const hi = Math.max(...asked.map(rank));
    levels = levels.filter((l) => {
      switch (requested.comparison) {
        case 'exact':
          return asked.includes(l);
        case 'minimum':
          return rank(l) >= lo;
        case 'better':
          return rank(l) > hi;
        case 'maximum':
          return rank(l) <= hi;
      }
    });
  }
  return levels;
}
