import {
  AccountCreatedV1,
  AccountPasswordVerificationFailedV1,
  AccountPasswordVerifiedV1,
  OtpCodeIssuedV1,
  OtpCodeVerifiedV1,
  OtpSmsFailedV1,
  OtpSmsSentV1,
  OtpVerificationFailedV1,
  SamlAssertionIssuedV1,
  SamlAuthnFailedV1,
  SamlAuthnRequestReceivedV1,
  SamlAuthnRequestRejectedV1,
  SamlSessionEndedV1,
  SamlSessionStartedV1,
  buildEnvelope,
  catalog,
  type Envelope,
  type EventData,
  type EventDef,
} from '@idp/events';

/**
 * Realistic journeys as the services publish them (same subjects, aggregates, correlation ids and
 * producers), generated deterministically from a seed: known input for the replay tests, the
 * benchmark and demos. Every envelope goes through `buildEnvelope`, so its data fits the catalog.
 */
export interface SampleOptions {
  /** At least this many events (a journey is never cut). */
  events: number;
  seed?: number;
  /** Time of the first event; later ones follow in seconds to minutes. */
  from?: Date;
  /** Number of accounts created first; logins pick among them. */
  accounts?: number;
  eservices?: readonly string[];
}

export const SAMPLE_ESERVICES = [
  'https://edavki.example.si/sp',
  'https://zdravstvo.example.si/saml',
  'https://evem.example.si/sp',
] as const;

// mulberry32: a tiny seeded generator so the same seed gives the same log.
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A valid version-7-shaped UUID from numbers, so ids are stable across runs and distinct per seed. */
export function sampleUuid(n: number, kind = 0, seed = 0): string {
  const h = (n >>> 0).toString(16).padStart(8, '0');
  const s = (seed & 0xffff).toString(16).padStart(4, '0');
  const k = (kind & 0xfff).toString(16).padStart(3, '0');
  return `${h}-${s}-7${k}-8000-${(n * 7919 + kind).toString(16).padStart(12, '0').slice(-12)}`;
}

export function sampleJourneys(o: SampleOptions): Envelope[] {
  const seed = o.seed ?? 1;
  const rnd = prng(seed);
  const uuid = (n: number, kind: number) => sampleUuid(n, kind, seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const eservices = o.eservices ?? SAMPLE_ESERVICES;
  let clock = (o.from ?? new Date('2026-11-01T08:00:00Z')).getTime();
  let n = 0;
  const out: Envelope[] = [];
  const emit = <E extends EventDef>(
    def: E,
    aggregate: Envelope['aggregate'],
    actor: Envelope['actor'],
    correlationId: string,
    data: EventData<E>,
    producer: string,
  ) => {
    clock += 200 + Math.floor(rnd() * 20_000);
    const at = new Date(clock);
    out.push(
      buildEnvelope(
        def,
        { aggregate, actor, data, id: uuid(++n, 1) },
        { correlationId },
        {
          producer,
          catalog,
          now: () => at,
        },
      ),
    );
  };
  const GW = 'idp-gateway@0.1.0/gw-1';
  const ACC = 'accounts@0.1.0/acc-1';
  const OTP = 'otp-sender@0.1.0/otp-1';

  const accounts: { id: string; active: boolean }[] = [];
  const accountCount = Math.max(1, o.accounts ?? Math.max(3, Math.ceil(o.events / 40)));
  for (let i = 0; i < accountCount && out.length < o.events; i++) {
    const id = sampleUuid(i + 1, 0xacc); // the same accounts for every seed: logs can be joined
    const active = rnd() < 0.8;
    accounts.push({ id, active });
    emit(
      AccountCreatedV1,
      { type: 'account', id },
      { kind: 'admin', id: 'operator' },
      uuid(i + 1, 0xc11),
      { accountId: id, smsPass: active ? 'active' : 'none', by: 'operator' },
      ACC,
    );
  }

  let journey = 0;
  while (out.length < o.events) {
    journey++;
    const tx = uuid(journey, 0x7a5);
    const sp = pick(eservices);
    const requestId = `_req${seed}-${journey}`;
    const roll = rnd();
    if (roll < 0.05) {
      emit(
        SamlAuthnRequestRejectedV1,
        { type: 'login_transaction', id: tx },
        { kind: 'anonymous' },
        tx,
        {
          spEntityId: sp,
          binding: 'redirect',
          errorCode: pick(['saml.signature_invalid', 'saml.request_replayed', 'saml.acs_not_registered']),
        },
        GW,
      );
      continue;
    }
    const account = pick(accounts);
    const received = {
      spEntityId: sp,
      requestId,
      binding: pick(['redirect', 'post'] as const),
      forceAuthn: false,
      isPassive: false,
    };
    emit(
      SamlAuthnRequestReceivedV1,
      { type: 'login_transaction', id: tx },
      { kind: 'anonymous' },
      tx,
      received,
      GW,
    );
    const assertion = (reused: boolean) =>
      emit(
        SamlAssertionIssuedV1,
        { type: 'account', id: account.id },
        { kind: 'user', id: account.id },
        tx,
        {
          spEntityId: sp,
          inResponseTo: requestId,
          level: 'substantial',
          nameIdFormat: 'persistent',
          sessionReused: reused,
          releasedAttributes: ['given_name', 'family_name'],
        },
        GW,
      );
    const failed = (reason: string) =>
      emit(
        SamlAuthnFailedV1,
        { type: 'login_transaction', id: tx },
        { kind: 'anonymous' },
        tx,
        {
          spEntityId: sp,
          inResponseTo: requestId,
          status: 'AuthnFailed',
          reason,
        },
        GW,
      );
    if (roll < 0.2) {
      assertion(true);
      continue;
    }
    if (roll < 0.3) {
      emit(
        AccountPasswordVerificationFailedV1,
        { type: 'account', id: account.id },
        { kind: 'anonymous' },
        tx,
        {
          accountId: account.id,
          reason: 'wrong_password',
        },
        ACC,
      );
      if (rnd() < 0.5) {
        failed('cancelled');
        continue;
      }
    }
    emit(
      AccountPasswordVerifiedV1,
      { type: 'account', id: account.id },
      { kind: 'user', id: account.id },
      tx,
      {
        accountId: account.id,
      },
      ACC,
    );
    if (!account.active) {
      failed('smspass_not_active');
      continue;
    }
    const challenge = uuid(journey, 0x0c4);
    const challengeAgg = { type: 'otp_challenge', id: challenge };
    const base = { challengeId: challenge, accountId: account.id };
    emit(
      OtpCodeIssuedV1,
      challengeAgg,
      { kind: 'service', id: OTP },
      tx,
      {
        ...base,
        purpose: 'login',
        destinationHint: '+386 •• ••• •• 45',
        expiresAt: new Date(clock + 300_000).toISOString(),
        resend: false,
      },
      OTP,
    );
    if (rnd() < 0.03) {
      emit(
        OtpSmsFailedV1,
        challengeAgg,
        { kind: 'service', id: OTP },
        tx,
        {
          challengeId: challenge,
          transport: 'sns',
          attempts: 5,
          error: 'ProviderUnavailable',
        },
        OTP,
      );
      failed('sms_failed');
      continue;
    }
    emit(
      OtpSmsSentV1,
      challengeAgg,
      { kind: 'service', id: OTP },
      tx,
      {
        challengeId: challenge,
        transport: 'sns',
        attempts: 1,
      },
      OTP,
    );
    if (rnd() < 0.1) {
      emit(
        OtpVerificationFailedV1,
        challengeAgg,
        { kind: 'user', id: account.id },
        tx,
        {
          ...base,
          attempt: 1,
          reason: 'wrong_code',
        },
        OTP,
      );
    }
    emit(OtpCodeVerifiedV1, challengeAgg, { kind: 'user', id: account.id }, tx, base, OTP);
    const sessionId = `s${seed}-${journey}`;
    emit(
      SamlSessionStartedV1,
      { type: 'account', id: account.id },
      { kind: 'user', id: account.id },
      tx,
      {
        sessionId,
        accountId: account.id,
        level: 'substantial',
        methods: ['password', 'sms_otp'],
      },
      GW,
    );
    assertion(false);
    if (rnd() < 0.2) {
      emit(
        SamlSessionEndedV1,
        { type: 'account', id: account.id },
        { kind: 'user', id: account.id },
        tx,
        {
          sessionId,
          accountId: account.id,
          reason: 'logout',
          spEntityIds: [sp],
        },
        GW,
      );
    }
  }
  return out;
}
