import { describe, expect, it } from 'vitest';
import { envReferences, resolveEnv, substituteEnv } from './env.js';

describe('${env:NAME} references', () => {
  const missing = (name: string) => new Error(`unset ${name}`);

  it('resolves from the given env only, and treats an empty value as set', () => {
    expect(resolveEnv('https://${env:HOST}:${env:PORT}/v1', { HOST: 'h', PORT: '8' }, missing)).toBe(
      'https://h:8/v1',
    );
    expect(resolveEnv('Bearer ${env:KEY}', { KEY: '' }, missing)).toBe('Bearer ');
    expect(resolveEnv('no refs $HOME {{x}}', {}, missing)).toBe('no refs $HOME {{x}}');
  });

  it('names the missing variable without revealing any value', () => {
    expect(() => resolveEnv('${env:A}${env:B}', { A: 'secret-a' }, missing)).toThrow(/^unset B$/);
  });

  it('rejects malformed references', () => {
    expect(() => envReferences('${env:1BAD}')).toThrow('invalid environment reference');
    expect(() => envReferences('${env:OPEN')).toThrow('invalid environment reference');
    expect(envReferences('${env:A} ${env:B} ${env:A}')).toEqual(['A', 'B']);
  });

  it('substitutes captured values, leaving unknown references alone', () => {
    expect(substituteEnv('${env:A}/x/${env:B}', new Map([['A', 'http://a']]))).toBe('http://a/x/${env:B}');
  });
});
