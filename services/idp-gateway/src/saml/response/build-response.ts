import { createHmac, randomBytes } from 'node:crypto';
import { ATTRIBUTES, LOA_URI, NAMEID_FORMAT, type AttributeKey, type Loa } from '@idp/saml';
import type { SigningIdentity } from '../keys.js';
import { NS, element, signed, unsigned, type Namespace, type Signable, type Xml } from './canonical-xml.js';

const STATUS = 'urn:oasis:names:tc:SAML:2.0:status:';

export type SecondLevelStatus =
  'AuthnFailed' | 'NoAuthnContext' | 'NoPassive' | 'RequestDenied' | 'UnknownPrincipal';

export interface ResponseBase {
  idpEntityId: string;
  signing: SigningIdentity;
  spEntityId: string;
  /** The ACS URL taken from the SP's registered metadata; becomes Destination and Recipient. */
  acsUrl: string;
  inResponseTo: string;
  /** Sign the Response as well as the Assertion (SP policy). */
  signResponse: boolean;
  now: Date;
}

export interface SuccessInput extends ResponseBase {
  nameId: { value: string; format: 'persistent' | 'transient' };
  authn: { instant: Date; sessionIndex: string; loa: Loa; sessionNotOnOrAfter?: Date };
  attributes: Partial<Record<AttributeKey, string>>;
  /** How long the bearer assertion may be used (default 5 minutes). */
  validityMs?: number;
}

export interface FailureInput extends ResponseBase {
  /** `Requester` when the request was at fault, `Responder` when the login could not happen. */
  topLevel: 'Requester' | 'Responder';
  secondLevel: SecondLevelStatus;
}

/** A SAML ID: must start with a letter or underscore (xs:ID), 160 random bits. */
export const newSamlId = (): string => `_${randomBytes(20).toString('hex')}`;

export const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * A persistent pairwise NameID: stable for one person at one SP, unlinkable across SPs (an HMAC
 * over both, keyed by a secret only the gateway holds).
 */
export function pairwiseNameId(secret: string, accountId: string, spEntityId: string): string {
  return createHmac('sha256', secret).update(`${accountId}\u0000${spEntityId}`).digest('base64url');
}

const issuerOf = (idpEntityId: string, ns: readonly Namespace[] = []) =>
  element('saml:Issuer', { ns }, idpEntityId);

/**
 * A SAML protocol message from the IdP (Response, LogoutRequest, LogoutResponse): a fresh ID, the
 * common attributes, and the Issuer first. Its `saml` declaration goes on the Issuer, where
 * exclusive c14n renders it, so the message is its own canonical form.
 */
export function protocolMessage(
  name: string,
  m: { idpEntityId: string; destination: string; now: Date },
  attrs: Readonly<Record<string, string | undefined>>,
  rest: readonly Xml[],
): Signable {
  return {
    name,
    o: {
      ns: [['samlp', NS.samlp]],
      attrs: {
        ID: newSamlId(),
        Version: '2.0',
        IssueInstant: iso(m.now),
        Destination: m.destination,
        ...attrs,
      },
    },
    issuer: issuerOf(m.idpEntityId, [['saml', NS.saml]]),
    rest,
  };
}

function response(b: ResponseBase, status: Xml, assertion: Xml | undefined, sign: boolean): Xml {
  const e = protocolMessage(
    'samlp:Response',
    { idpEntityId: b.idpEntityId, destination: b.acsUrl, now: b.now },
    { InResponseTo: b.inResponseTo },
    assertion ? [status, assertion] : [status],
  );
  return sign ? signed(e, b.signing) : unsigned(e);
}

export const statusOf = (top: string, second?: string): Xml =>
  element(
    'samlp:Status',
    {},
    element(
      'samlp:StatusCode',
      { attrs: { Value: `${STATUS}${top}` } },
      ...(second ? [element('samlp:StatusCode', { attrs: { Value: `${STATUS}${second}` } })] : []),
    ),
  );

const attributeXml = (key: AttributeKey, value: string): Xml =>
  element(
    'saml:Attribute',
    {
      attrs: {
        Name: ATTRIBUTES[key].name,
        NameFormat: 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri',
        FriendlyName: ATTRIBUTES[key].friendlyName,
      },
    },
    element(
      'saml:AttributeValue',
      { ns: [['xsi', NS.xsi]], docOnlyNs: [['xs', NS.xs]], attrs: { 'xsi:type': 'xs:string' } },
      value,
    ),
  );

/** A Success Response whose Assertion is always signed (RSA-SHA256, exclusive c14n). */
export function buildSuccessResponse(i: SuccessInput): string {
  const assertionId = newSamlId();
  const notOnOrAfter = iso(new Date(i.now.getTime() + (i.validityMs ?? 5 * 60_000)));
  const notBefore = iso(new Date(i.now.getTime() - 30_000));
  const attributes = (Object.entries(i.attributes) as [AttributeKey, string | undefined][])
    .filter((e): e is [AttributeKey, string] => e[1] !== undefined && e[1] !== '')
    .map(([key, value]) => attributeXml(key, value));
  const assertion = signed(
    {
      name: 'saml:Assertion',
      o: { ns: [['saml', NS.saml]], attrs: { ID: assertionId, Version: '2.0', IssueInstant: iso(i.now) } },
      issuer: issuerOf(i.idpEntityId),
      rest: [
        element(
          'saml:Subject',
          {},
          element(
            'saml:NameID',
            {
              attrs: {
                Format: NAMEID_FORMAT[i.nameId.format],
                NameQualifier: i.idpEntityId,
                SPNameQualifier: i.spEntityId,
              },
            },
            i.nameId.value,
          ),
          element(
            'saml:SubjectConfirmation',
            { attrs: { Method: 'urn:oasis:names:tc:SAML:2.0:cm:bearer' } },
            element('saml:SubjectConfirmationData', {
              attrs: { InResponseTo: i.inResponseTo, NotOnOrAfter: notOnOrAfter, Recipient: i.acsUrl },
            }),
          ),
        ),
        element(
          'saml:Conditions',
          { attrs: { NotBefore: notBefore, NotOnOrAfter: notOnOrAfter } },
          element('saml:AudienceRestriction', {}, element('saml:Audience', {}, i.spEntityId)),
        ),
        element(
          'saml:AuthnStatement',
          {
            attrs: {
              AuthnInstant: iso(i.authn.instant),
              SessionIndex: i.authn.sessionIndex,
              SessionNotOnOrAfter: i.authn.sessionNotOnOrAfter && iso(i.authn.sessionNotOnOrAfter),
            },
          },
          element('saml:AuthnContext', {}, element('saml:AuthnContextClassRef', {}, LOA_URI[i.authn.loa])),
        ),
        ...(attributes.length > 0 ? [element('saml:AttributeStatement', {}, ...attributes)] : []),
      ],
    },
    i.signing,
  );
  return response(i, statusOf('Success'), assertion, i.signResponse).doc;
}

/**
 * An error Response (no assertion) for a trusted request whose login cannot happen: the SP gets a
 * SAML status it can act on instead of a dead end. Always signed, so the SP can trust the status.
 */
export function buildFailureResponse(i: FailureInput): string {
  return response(i, statusOf(i.topLevel, i.secondLevel), undefined, true).doc;
}
