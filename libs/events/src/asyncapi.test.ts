import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { z } from 'zod';
import { ASYNCAPI_FILE, buildAsyncApi, channelId, renderAsyncApi, type Json } from './asyncapi.js';
import { catalog } from './catalog.js';
import { defineEvent } from './define.js';
import { AccountCreatedV1, accountsRpc } from './contracts/accounts.js';
import { OtpSmsSendJobV1 } from './contracts/otp.js';
import { SERVICE_NAMES } from './contracts/services.js';
import { SUBJECT_OWNERS, ownersOf } from './contracts/owners.js';

type Obj = { [key: string]: Json };
const obj = (v: Json | undefined): Obj => {
  expect(v, 'an object').to.be.an('object');
  return v as Obj;
};
const subjects = () =>
  [...catalog.events, ...catalog.jobs, ...catalog.seals, ...catalog.rpcs].map((d) => d.subject);

describe('AsyncAPI document of the event catalog', () => {
  const doc = buildAsyncApi(catalog);
  const channels = obj(doc.channels);

  it('is the committed docs/asyncapi.json (run `pnpm asyncapi` after changing the catalog)', async () => {
    const committed = readFileSync(ASYNCAPI_FILE, 'utf8');
    expect(committed === (await renderAsyncApi(doc, ASYNCAPI_FILE)), 'docs/asyncapi.json is not current').to
      .be.true;
  });

  it('is AsyncAPI 3.0.0 with a NATS server', () => {
    expect(doc.asyncapi).to.equal('3.0.0');
    expect(obj(obj(doc.servers).nats).protocol).to.equal('nats');
    expect(obj(doc.info).version).to.match(/^\d+\.\d+\.\d+/);
  });

  it('has one channel per catalog subject', () => {
    const addresses = Object.values(channels)
      .map((c) => obj(c).address)
      .filter((a) => a !== null);
    expect([...addresses].sort()).to.deep.equal(subjects().sort());
    for (const s of subjects()) expect(obj(channels[channelId(s)]).address).to.equal(s);
  });

  it('gives an event the envelope with the event’s own data schema', () => {
    const id = channelId(AccountCreatedV1.subject);
    const payload = obj(obj(obj(doc.components).messages)[id]).payload;
    const props = obj(obj(payload).properties);
    for (const k of ['id', 'subject', 'occurredAt', 'producer', 'aggregate', 'actor', 'correlationId'])
      expect(props, k).to.have.property(k);
    expect(obj(props.subject).const).to.equal(AccountCreatedV1.subject);
    const data = obj(props.data);
    expect(Object.keys(obj(data.properties)).sort()).to.deep.equal(['accountId', 'by', 'smsPass']);
    expect(obj(payload).required).to.include('data');
  });

  it('gives a job the envelope and its data', () => {
    const payload = obj(obj(obj(doc.components).messages)[channelId(OtpSmsSendJobV1.subject)]).payload;
    const data = obj(obj(obj(payload).properties).data);
    expect(Object.keys(obj(data.properties)).sort()).to.deep.equal(['challengeId', 'sealed']);
  });

  it('describes a request, its reply union and who answers and calls it', () => {
    const id = channelId(accountsRpc.getOtpDestination.subject);
    const messages = obj(obj(doc.components).messages);
    const request = obj(obj(messages[`${id}__request`]).payload);
    expect(request.required).to.deep.equal(['accountId']);
    const variants = obj(messages[`${id}__reply`]).payload as Obj;
    const [ok, failed] = (variants.anyOf ?? variants.oneOf) as Obj[];
    expect(Object.keys(obj(obj(ok!.properties).data).properties!)).to.include('phone');
    expect(Object.keys(obj(obj(obj(failed!.properties).error).properties))).to.have.members([
      'kind',
      'code',
      'message',
    ]);
    expect(obj(channels[id])['x-answered-by']).to.equal('accounts');
    expect(obj(channels[id])['x-callers']).to.deep.equal(['otp-sender']);
    const send = obj(obj(doc.operations)[`${id}__send`]);
    expect(send.action).to.equal('send');
    expect(obj(send.reply).channel).to.deep.equal({ $ref: `#/channels/${id}__reply` });
  });

  it('has only local references that resolve', () => {
    const refs: string[] = [];
    const walk = (v: Json) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) k === '$ref' ? refs.push(String(x)) : walk(x);
    };
    walk(doc);
    expect(refs).to.not.be.empty;
    for (const r of refs) {
      expect(r, r).to.match(/^#\//);
      let at: Json | undefined = doc;
      for (const part of r.slice(2).split('/')) at = obj(at)[part];
      expect(at, r).to.be.an('object');
    }
  });

  it('uses ids AsyncAPI accepts', () => {
    const ids = [
      ...Object.keys(channels),
      ...Object.keys(obj(doc.operations)),
      ...Object.keys(obj(obj(doc.components).messages)),
    ];
    for (const id of ids) expect(id).to.match(/^[A-Za-z0-9_-]+$/);
  });

  it('is deterministic', () => {
    expect(JSON.stringify(buildAsyncApi(catalog))).to.equal(JSON.stringify(doc));
    expect(Object.keys(channels)).to.deep.equal(Object.keys(channels).sort());
  });

  it('refuses a subject without an owners entry', () => {
    const stray = defineEvent('idp.nobody.happened.v1', z.object({}), 'test only');
    expect(() => buildAsyncApi(catalog.with([stray]))).to.throw(/no owners entry for idp\.nobody/);
  });
});

describe('subject owners', () => {
  it('name the producers and consumers of every catalog subject', () => {
    const missing = subjects().filter((s) => !ownersOf(s));
    expect(missing, 'add these to contracts/owners.ts').to.deep.equal([]);
    for (const d of [...catalog.events, ...catalog.jobs, ...catalog.seals]) {
      const o = ownersOf(d.subject)!;
      expect(o.kind, d.subject).to.equal('message');
      if (o.kind === 'message') expect(o.producers, d.subject).to.not.be.empty;
    }
    for (const r of catalog.rpcs) expect(ownersOf(r.subject)!.kind, r.subject).to.equal('rpc');
  });

  it('has no entry that matches no subject', () => {
    const used = new Set(subjects().map((s) => ownersOf(s)));
    const stale = Object.entries(SUBJECT_OWNERS).filter(([, o]) => !used.has(o));
    expect(stale.map(([k]) => k)).to.deep.equal([]);
  });

  it('answers each status request by its own service, and the exact entry beats a prefix', () => {
    for (const s of SERVICE_NAMES)
      expect(ownersOf(`idp.rpc.${s}.status.v1`)).to.include({ kind: 'rpc', answeredBy: s });
    expect(ownersOf('idp.rpc.otp.status.v1')).to.include({ kind: 'rpc', answeredBy: 'otp-sender' });
    expect(ownersOf('idp.rpc.accounts.create_account.v1')).to.deep.include({ callers: ['cli'] });
  });
});
