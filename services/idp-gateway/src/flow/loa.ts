import { LOA_ORDER, LOA_URI, METHOD_LOA, type Loa, type SpPolicy } from '@idp/saml';

export interface RequestedAuthnContext {
  comparison: 'exact' | 'minimum' | 'better' | 'maximum';
  classRefs: string[];
}

const rank = (l: Loa) => LOA_ORDER.indexOf(l);
const fromUri = (uri: string): Loa | undefined =>
  (Object.entries(LOA_URI) as [Loa, string][]).find(([, u]) => u === uri)?.[0];

/**
 * The levels a login may end at for this request, the most preferred first: what the SP's policy
 * allows (its minimum, its login methods) intersected with what RequestedAuthnContext asks for
 * (SAML core 3.3.2.2.1). Empty means the SP must get NoAuthnContext. The login takes the first
 * level the account can reach (two factors only with an active smsPASS).
 *
 * The order: SAML core evaluates the class references "as an ordered set, where the first element
 * is the most preferred", so for `exact` the SP's own order counts (an SP listing substantial, then
 * low, wants the SMS code from anyone who has smsPASS and the password alone from the others);
 * `maximum` asks for a context "as strong as possible" up to the reference, so the strongest comes
 * first; otherwise (`minimum`, `better`, no request) the lowest acceptable level comes first.
 */
export function acceptableLevels(
  policy: Pick<SpPolicy, 'minLoa' | 'allowedMethods'>,
  requested?: RequestedAuthnContext,
): Loa[] {
  const reachable = new Set(policy.allowedMethods.map((m) => METHOD_LOA[m]));
  const allowed = LOA_ORDER.filter((l) => reachable.has(l) && rank(l) >= rank(policy.minLoa));
  if (!requested || requested.classRefs.length === 0) return allowed;
  const asked = requested.classRefs.map(fromUri).filter((l): l is Loa => l !== undefined);
  const preferred: Loa[] = [];
  for (const ref of asked) {
    const matching = allowed.filter((l) => {
      switch (requested.comparison) {
        case 'exact':
          return l === ref;
        case 'minimum':
          return rank(l) >= rank(ref);
        case 'better':
          return rank(l) > rank(ref);
        case 'maximum':
          return rank(l) <= rank(ref);
      }
    });
    if (requested.comparison === 'maximum') matching.reverse();
    for (const l of matching) if (!preferred.includes(l)) preferred.push(l);
  }
  return preferred;
}

/**
 * The level a login ends at once the password is right: the first of `levels` (most preferred
 * first, from `acceptableLevels`) that the account reaches — the password alone reaches `low`, the
 * SMS code `substantial` with an active smsPASS, nothing reaches `high` yet. Undefined: NoAuthnContext.
 */
export function reachableLevel(levels: readonly Loa[], smsPassActive: boolean): Loa | undefined {
  return levels.find((l) => l === 'low' || (l === 'substantial' && smsPassActive));
}
