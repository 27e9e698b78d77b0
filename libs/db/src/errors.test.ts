import { expect } from 'chai';
import { DomainError } from '@idp/events';
import { isConnectionError, wrapDbError } from './errors.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('db wrapDbError()', () => {
  it('maps refused connections, terminated backends and pg client failures to infra.database_down', () => {
    const outages = [
      withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      withCode('terminating connection due to administrator command', '57P01'),
      withCode('the database system is starting up', '57P03'),
      withCode('connection failure', '08006'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], ''),
      new Error('wrapped', { cause: withCode('read ECONNRESET', 'ECONNRESET') }),
    ];
    for (const err of outages) {
      const mapped = wrapDbError(err);
      expect(mapped, err.message)
        .to.be.instanceOf(DomainError)
        .and.include({ kind: 'unavailable', code: 'infra.database_down' });
      expect((mapped as DomainError).cause).to.equal(err);
    }
  });

  it('passes query errors and DomainErrors through unchanged', () => {
    const rejected = [
      withCode('duplicate key value violates unique constraint', '23505'),
      withCode('relation "x" does not exist', '42P01'),
      new DomainError('unavailable', 'infra.nats_down'),
      'not even an error',
    ];
    for (const err of rejected) {
      expect(isConnectionError(err)).to.equal(false);
      expect(wrapDbError(err)).to.equal(err);
    }
  });
});
