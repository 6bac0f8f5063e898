import { Principal } from '@dfinity/principal';
import { describe, expect, it } from 'vitest';
import { MalformedRequestError } from './errors.ts';
import { MethodNotAllowedError, NotFoundError } from './refusals.ts';
import { route } from './router.ts';

const ID = 'bkyz2-fmaaa-aaaaa-qaaaq-cai';
const effectiveId = Principal.fromText(ID);

describe('route()', () => {
  it.each([
    ['/api/v2/canister/ID/call', { endpoint: 'call', mode: 'async', scope: 'canister', effectiveId }],
    ['/api/v3/canister/ID/call', { endpoint: 'call', mode: 'sync', scope: 'canister', effectiveId }],
    ['/api/v4/canister/ID/call', { endpoint: 'call', mode: 'sync', scope: 'canister', effectiveId }],
    ['/api/v4/subnet/ID/call', { endpoint: 'call', mode: 'sync', scope: 'subnet', effectiveId }],
    ['/api/v2/canister/ID/query', { endpoint: 'query', effectiveId }],
    ['/api/v3/canister/ID/query', { endpoint: 'query', effectiveId }],
    ['/api/v2/canister/ID/read_state', { endpoint: 'read_state', scope: 'canister', effectiveId }],
    ['/api/v3/canister/ID/read_state', { endpoint: 'read_state', scope: 'canister', effectiveId }],
    ['/api/v2/subnet/ID/read_state', { endpoint: 'read_state', scope: 'subnet', effectiveId }],
    ['/api/v3/subnet/ID/read_state', { endpoint: 'read_state', scope: 'subnet', effectiveId }],
  ])('POST %s', (path, expected) => {
    expect(route('POST', path.replace('ID', ID))).toEqual(expected);
  });

  it('GET /api/v2/status', () => {
    expect(route('GET', '/api/v2/status')).toEqual({ endpoint: 'status' });
  });

  it.each(['/api/v3/canister/ID/call/extra', '/api/v2/subnet/ID/call', '/api/v3/subnet/ID/query', '/api/v5/canister/ID/call', '/', '/api/v3/status'])(
    'refuses %s with 404',
    (path) => {
      expect(() => route('POST', path.replace('ID', ID))).toThrow(NotFoundError);
    },
  );

  it('refuses the wrong method with 405 and names the allowed one', () => {
    expect(() => route('GET', `/api/v3/canister/${ID}/call`)).toThrow(expect.objectContaining({ httpStatus: 405, allow: 'POST' }));
    expect(() => route('POST', '/api/v2/status')).toThrow(MethodNotAllowedError);
  });

  it('refuses an id that is not a principal with 400', () => {
    expect(() => route('POST', '/api/v3/canister/not-a-principal/call')).toThrow(MalformedRequestError);
  });
});
