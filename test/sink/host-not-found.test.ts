/** A failed host-name lookup is named by its host; other connection failures are left alone. */
import { describe, expect, it } from 'vitest';
import { DatabaseError } from '../../src/errors.js';
import { hostNotFoundError } from '../../src/sink/host-not-found.js';

const lookupError = (code: string, hostname?: string): Error =>
  Object.assign(new Error(`getaddrinfo ${code} ${hostname ?? ''}`), { code, hostname });

describe('hostNotFoundError', () => {
  it('names the host of an ENOTFOUND, found through the cause chain', () => {
    const wrapped = new DatabaseError('cannot connect', undefined, {
      cause: lookupError('ENOTFOUND', 'Db.Example.invalid'),
    });
    const err = hostNotFoundError(wrapped, 'postgres://u:***@Db.Example.invalid/chem');
    expect(err?.code).toBe('MOLIMPORT_DB_HOST');
    expect(err?.exitCode).toBe(1);
    expect(err?.message).toBe(
      'cannot connect to postgres://u:***@Db.Example.invalid/chem: host "Db.Example.invalid" not found (no such host: ENOTFOUND); check the host name',
    );
  });

  it('says when the name server did not answer (EAI_AGAIN, after the retries)', () => {
    const err = hostNotFoundError(lookupError('EAI_AGAIN', 'db'), 'postgres://u@db/chem');
    expect(err?.message).toContain(
      'host "db" not found (the name server gave no answer, even after retries: EAI_AGAIN)',
    );
  });

  it('takes the host from the target when the error does not carry it (a cause dropped for secrecy)', () => {
    const wrapped = new DatabaseError('cannot connect', undefined, { cause: { code: 'ENOTFOUND' } });
    expect(hostNotFoundError(wrapped, 'postgres://u:***@[::1]:5433/chem')?.message).toContain(
      'host "[::1]" not found',
    );
  });

  it('leaves other failures alone', () => {
    expect(hostNotFoundError(lookupError('ECONNREFUSED'), 'postgres://u@h/db')).toBeUndefined();
    expect(
      hostNotFoundError(new Error('password authentication failed'), 'postgres://u@h/db'),
    ).toBeUndefined();
  });
});
