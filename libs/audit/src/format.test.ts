import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { encryptField, type Envelope } from '@idp/events';
import { jsonLine, problemLine, summarize, tableHeader, tableRow, tableTime } from './format.js';
import { formatStatsTable, renderStatsHtml } from './format-stats.js';
import type { ReplayedEvent } from './replay-validate.js';
import { applyEvent, initialStats, statsView } from './stats.js';

const envelope: Envelope = {
  id: '019a0000-0000-7000-8000-000000000001',
  subject: 'idp.saml.assertion_issued.v1',
  occurredAt: '2026-11-02T10:00:00.123Z',
  producer: 'idp-gateway@0.1.0/gw-1',
  aggregate: { type: 'account', id: '019a0000-0000-7000-8000-0000000000aa' },
  actor: { kind: 'user' },
  correlationId: '019a0000-0000-7000-8000-0000000000cc',
  data: {
    spEntityId: '<b>https://sp.example.si</b>',
    level: 'substantial',
    releasedAttributes: ['given_name', 'family_name'],
    nested: { x: 1 },
  },
};
const event = (o: Partial<ReplayedEvent> = {}): ReplayedEvent => ({
  seq: 42,
  time: new Date('2026-11-02T10:00:01.000Z'),
  subject: envelope.subject,
  headers: undefined,
  body: new Uint8Array(),
  envelope,
  problem: undefined,
  ...o,
});

describe('format', () => {
  it('shows encrypted personal data as [encrypted], in a change list and as a property', () => {
    const key = randomBytes(32);
    const accountId = envelope.aggregate.id;
    const subject = 'idp.account.personal_data_changed.v1';
    const enc = (field: string, v: string) => encryptField(key, 'k1', v, { subject, field, accountId });
    const env: Envelope = {
      ...envelope,
      subject,
      data: {
        accountId,
        changes: [
          { field: 'family_name', value: enc('family_name', 'Novak') },
          { field: 'address', value: enc('address', 'Slovenska cesta 1') },
        ],
        note: enc('note', 'x'),
      },
    };
    const s = summarize(env);
    expect(s).to.equal('changes=family_name:[encrypted],address:[encrypted] note=[encrypted]');
    expect(tableRow(event({ envelope: env, subject }))).to.include('family_name:[encrypted]');
    // Once accounts reports the person's key destroyed, the same values show as erased.
    expect(summarize(env, new Set(['k1']))).to.equal(
      'changes=family_name:[erased],address:[erased] note=[erased]',
    );
    expect(tableRow(event({ envelope: env, subject }), new Set(['other']))).to.include(
      'family_name:[encrypted]',
    );
  });

  it('summarizes scalar and list fields, leaves nested objects out and keeps to one short line', () => {
    const s = summarize(envelope);
    expect(s).to.match(
      /^spEntityId=<b>https:\/\/sp\.example\.si<\/b> level=substantial releasedAttributes=given_name,/,
    );
    expect(s).to.not.include('nested');
    expect(s.length).to.be.at.most(96);
    expect(s.endsWith('…')).to.equal(true);
  });

  it('aligns table rows under the header', () => {
    const header = tableHeader();
    const row = tableRow(event());
    for (const col of ['SUBJECT', 'AGGREGATE', 'CORRELATION', 'DATA']) {
      const at = header.indexOf(col);
      expect(row[at - 1], col).to.equal(' ');
      expect(row[at], col).to.not.equal(' ');
    }
    expect(row).to.match(/^\s+42 {2}2026-11-02 10:00:00 {2}idp\.saml\.assertion_issued\.v1\s+account:019a/);
    expect(tableRow(event({ envelope: undefined, problem: { kind: 'not_json', issues: [] } }))).to.include(
      '(unreadable)',
    );
    expect(tableTime('2026-11-02T11:00:00+01:00')).to.equal('2026-11-02 10:00:00');
  });

  it('writes one JSON object per event with seq, stored time and the envelope; the problem when there is one', () => {
    expect(JSON.parse(jsonLine(event()))).to.deep.equal({
      seq: 42,
      time: '2026-11-02T10:00:01.000Z',
      subject: envelope.subject,
      envelope,
    });
    const bad = event({ problem: { kind: 'invalid_data', issues: ['data.level: Invalid option'] } });
    expect(JSON.parse(jsonLine(bad)).problem).to.deep.equal({
      kind: 'invalid_data',
      issues: ['data.level: Invalid option'],
    });
    expect(problemLine(bad)).to.equal(
      'misfit seq 42 idp.saml.assertion_issued.v1: invalid_data: data.level: Invalid option',
    );
  });

  it('prints the statistics as tables and as escaped HTML', () => {
    const view = statsView(
      applyEvent(initialStats(), {
        ...envelope,
        data: { ...(envelope.data as object), sessionReused: true },
      }),
    );
    const text = formatStatsTable(view).join('\n');
    expect(text)
      .to.include('Logins per e-service')
      .and.match(/2026-11-02\s+<b>https:\/\/sp\.example\.si<\/b>\s+0\s+1\s+1/);
    const html = renderStatsHtml(view);
    expect(html).to.include('&lt;b&gt;https://sp.example.si&lt;/b&gt;').and.not.include('<b>');
  });
});
